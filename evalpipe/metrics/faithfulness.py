"""Faithfulness of an answer to its retrieved context (RAG items).

The answer is split into claims (sentences, then coordinated clauses), each claim is compared to
every context sentence by embedding cosine, and a claim counts as supported when its best match
clears a threshold *and* every number in the claim appears in that best-matching sentence
(a "30 days" elsewhere in the context must not rescue "refunds within 30 days"; embeddings barely see
"$29" vs "$39", and hallucinated prices are this product's main failure). Greetings, questions
and fragments are "not checkable" and excluded from the denominator:

    score = supported / checkable        (None when nothing is checkable)

An optional judge hook `(claim, context_sentences) -> bool | None` overrides the embedding
verdict for claims (None keeps it), for when an LLM judge is calibrated well enough to trust.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from evalpipe.metrics.embedding import Embedder
from evalpipe.metrics.reference import extract_numbers, numbers_close

ClaimJudge = Callable[[str, list[str]], "bool | None"]

SUPPORTED, UNSUPPORTED, NOT_CHECKABLE = "supported", "unsupported", "not_checkable"

_SENT_SPLIT = re.compile(r"(?<=[.!?。！？])\s+|\n+")
_CONJ_SPLIT = re.compile(
    r",?\s+(?:and|but|while|whereas|however|und|aber|et|mais|y|pero|e|ma)\s+|;\s+", re.IGNORECASE
)
_NON_CLAIM = re.compile(
    r"^(?:hi|hello|hey|thanks?|thank you|you're welcome|glad to help|happy to help|hope (?:this|that) helps|"
    r"let me know|feel free|is there anything else|sure|of course|certainly|great question|hallo|bonjour|hola|"
    r"danke|merci|gracias)\b",
    re.IGNORECASE,
)


@dataclass
class Claim:
    text: str
    label: str
    support: float | None = None  # best cosine against a context sentence
    evidence: str | None = None  # that sentence


@dataclass
class FaithfulnessResult:
    score: float | None
    n_supported: int
    n_checkable: int
    claims: list[Claim] = field(default_factory=list)

    @property
    def unsupported(self) -> list[str]:
        return [c.text for c in self.claims if c.label == UNSUPPORTED]


def split_sentences(text: str) -> list[str]:
    """Sentence split on terminal punctuation and line breaks (markdown bullets stripped)."""
    parts = [re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", p).strip() for p in _SENT_SPLIT.split(text or "")]
    return [p for p in parts if p]


def split_claims(text: str, min_words: int = 3) -> list[str]:
    """Sentences, further split at coordinating conjunctions when both sides are clause-sized."""
    claims: list[str] = []
    for sent in split_sentences(text):
        pieces = [p.strip(" ,;") for p in _CONJ_SPLIT.split(sent)]
        if len(pieces) > 1 and all(len(p.split()) >= min_words for p in pieces):
            claims.extend(pieces)
        else:
            claims.append(sent)
    return claims


def is_checkable(claim: str, min_words: int = 3) -> bool:
    """Fragments, questions and pleasantries carry no checkable fact."""
    c = claim.strip()
    if c.endswith("?") or len(re.findall(r"\w+", c)) < min_words:
        return False
    return not (_NON_CLAIM.match(c) and not extract_numbers(c))


def faithfulness(
    answer: str | None,
    context: Sequence[str] | None,
    embedder: Embedder,
    threshold: float = 0.6,
    min_words: int = 3,
    judge: ClaimJudge | None = None,
    rel_tol: float = 0.005,
) -> FaithfulnessResult:
    """Score how much of `answer` the `context` passages support (see module docstring)."""
    claims_text = split_claims(answer or "", min_words)
    ctx_sents = [s for passage in (context or []) for s in split_sentences(str(passage))]
    ctx_numbers = [extract_numbers(s) for s in ctx_sents]
    checkable = [c for c in claims_text if is_checkable(c, min_words)]
    claims: list[Claim] = []
    support = np.zeros((len(checkable), 0), dtype=np.float32)
    if checkable and ctx_sents:
        emb = embedder.encode(checkable + ctx_sents)
        support = emb[: len(checkable)] @ emb[len(checkable) :].T
    k = 0
    for text in claims_text:
        if not is_checkable(text, min_words):
            claims.append(Claim(text, NOT_CHECKABLE))
            continue
        row = support[k] if support.shape[1] else np.zeros(0)
        k += 1
        best = int(np.argmax(row)) if row.size else -1
        sim = float(row[best]) if row.size else 0.0
        best_nums = ctx_numbers[best] if best >= 0 else []
        nums_ok = all(any(numbers_close(n, c, rel_tol) for c in best_nums) for n in extract_numbers(text))
        ok = sim >= threshold and nums_ok
        if judge is not None:
            verdict = judge(text, ctx_sents)
            if verdict is not None:
                ok = bool(verdict)
        claims.append(
            Claim(text, SUPPORTED if ok else UNSUPPORTED, sim, ctx_sents[best] if best >= 0 else None)
        )
    n_check = sum(c.label != NOT_CHECKABLE for c in claims)
    n_sup = sum(c.label == SUPPORTED for c in claims)
    return FaithfulnessResult(n_sup / n_check if n_check else None, n_sup, n_check, claims)
