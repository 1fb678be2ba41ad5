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


def _label_claims(
    claims_text: list[str],
    ctx_sents: list[str],
    ctx_numbers: list[list[float]],
    support: np.ndarray,
    threshold: float,
    min_words: int,
    judge: ClaimJudge | None,
    rel_tol: float,
) -> FaithfulnessResult:
    """The verdict per claim from its support row (one row per checkable claim, in order).

    Shared by `faithfulness` (one answer) and `faithfulness_many` (batched production scoring):
    one implementation, whichever way the support matrix was computed.
    """
    claims: list[Claim] = []
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
    support = np.zeros((len(checkable), 0), dtype=np.float32)
    if checkable and ctx_sents:
        emb = embedder.encode(checkable + ctx_sents)
        support = emb[: len(checkable)] @ emb[len(checkable) :].T
    return _label_claims(claims_text, ctx_sents, ctx_numbers, support, threshold, min_words, judge, rel_tol)


def faithfulness_many(
    answers: Sequence[str | None],
    contexts: Sequence[Sequence[str] | None],
    embedder: Embedder,
    threshold: float = 0.6,
    min_words: int = 3,
    judge: ClaimJudge | None = None,
    rel_tol: float = 0.005,
) -> list[FaithfulnessResult | None]:
    """`faithfulness` over many (answer, context) pairs; None where there is no context.

    Why batched: production answers and retrieved passages repeat (canned answers, the same KB
    passages), so each distinct (answer, context) pair is scored once, each distinct sentence is
    split, number-parsed and embedded once (one `encode` call for everything), and a pair's support
    matrix is a gather plus a small matmul.  The verdicts come from the same `_label_claims` as the
    one-answer function, so both callers agree claim for claim.
    """
    if len(answers) != len(contexts):
        raise ValueError(f"length mismatch: {len(answers)} answers vs {len(contexts)} contexts")
    pairs: dict[tuple[str, tuple[str, ...]], int] = {}
    index = []
    for a, c in zip(answers, contexts, strict=True):
        if not c:
            index.append(-1)
            continue
        index.append(pairs.setdefault((a or "", tuple(str(p) for p in c)), len(pairs)))
    sent_cache: dict[str, list[str]] = {}
    claim_cache: dict[str, list[str]] = {}
    prepared = []
    vocab: dict[str, int] = {}
    for answer, ctx in pairs:
        if answer not in claim_cache:
            claim_cache[answer] = split_claims(answer, min_words)
        claims_text = claim_cache[answer]
        for p in ctx:
            if p not in sent_cache:
                sent_cache[p] = split_sentences(p)
        ctx_sents = [s for p in ctx for s in sent_cache[p]]
        checkable = [c for c in claims_text if is_checkable(c, min_words)]
        ci = [vocab.setdefault(t, len(vocab)) for t in checkable] if ctx_sents else []
        si = [vocab.setdefault(t, len(vocab)) for t in ctx_sents] if checkable else []
        prepared.append((claims_text, ctx_sents, ci, si, len(checkable)))
    emb = embedder.encode(list(vocab)) if vocab else np.zeros((0, 0), dtype=np.float32)
    numbers: dict[str, list[float]] = {}
    results: list[FaithfulnessResult] = []
    for claims_text, ctx_sents, ci, si, n_check in prepared:
        for s in ctx_sents:
            if s not in numbers:
                numbers[s] = extract_numbers(s)
        ctx_numbers = [numbers[s] for s in ctx_sents]
        if ci and si:
            support = emb[ci] @ emb[si].T
        else:
            support = np.zeros((n_check, 0), dtype=np.float32)
        results.append(
            _label_claims(claims_text, ctx_sents, ctx_numbers, support, threshold, min_words, judge, rel_tol)
        )
    return [results[i] if i >= 0 else None for i in index]
