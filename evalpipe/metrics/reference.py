"""Reference-based metrics: exact match, token F1, contains, numeric match.

Normalisation follows the SQuAD evaluation script (lowercase, drop punctuation and the
articles a/an/the, collapse whitespace) so that figures are comparable with published ones.
Numeric match exists because help-desk answers are mostly judged on their numbers (prices,
day counts): "4.86 million", "$4.86M" and "4 860 000" must all count as the same figure.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = set(string.punctuation) | {"“", "”", "‘", "’", "«", "»", "¿", "¡", "…", "–", "—"}


def normalize_answer(text: str | None) -> str:
    """SQuAD normalisation: lowercase, remove punctuation, articles and extra whitespace."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(ch for ch in text if ch not in _PUNCT)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(prediction: str | None, reference: str | None) -> float:
    """1.0 when the normalised strings are equal, else 0.0."""
    return float(normalize_answer(prediction) == normalize_answer(reference))


def token_f1(prediction: str | None, reference: str | None) -> float:
    """SQuAD token-level F1 over normalised whitespace tokens (both empty counts as a match)."""
    pred = normalize_answer(prediction).split()
    ref = normalize_answer(reference).split()
    if not pred or not ref:
        return float(pred == ref)
    common = Counter(pred) & Counter(ref)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(pred)
    recall = same / len(ref)
    return 2 * precision * recall / (precision + recall)


def contains(prediction: str | None, reference: str | None) -> float:
    """1.0 when the normalised reference occurs in the normalised prediction on token boundaries."""
    ref = normalize_answer(reference)
    if not ref:
        return 0.0
    return float(f" {ref} " in f" {normalize_answer(prediction)} ")


# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------

_SCALES = {
    "k": 1e3,
    "thousand": 1e3,
    "tsd": 1e3,
    "m": 1e6,
    "mm": 1e6,
    "mn": 1e6,
    "mio": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "millionen": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "billions": 1e9,
    "mrd": 1e9,
    "milliard": 1e9,
    "milliarden": 1e9,
    "t": 1e12,
    "tn": 1e12,
    "trillion": 1e12,
}
_SPACE_SEPS = " \u00a0\u202f\u2009"
# A number: grouped (1,234,567 / 1.234.567 / 1 234 567, optional decimal part) or plain (1234.5 / 4,86).
_NUM_RE = re.compile(
    r"(?<![\w.,])(?P<sign>[-−])?[$€£¥]?\s?"
    r"(?P<num>\d{1,3}(?:(?P<sep>[,.\u00a0\u202f\u2009 ])\d{3})(?:(?P=sep)\d{3})*(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
    r"(?:\s?(?P<scale>thousand|millionen|millions|million|milliarden|milliard|billions|billion|trillion|"
    r"tsd|mio|mrd|mn|bn|tn|mm|k|m|b|t)\b)?",
    re.IGNORECASE,
)


def _parse_number_token(tok: str) -> float | None:
    """Parse one digit token with separators, deciding thousands vs decimal separators."""
    for sp in _SPACE_SEPS:
        tok = tok.replace(sp, "")
    has_c, has_d = "," in tok, "." in tok
    if has_c and has_d:
        # The separator that comes last is the decimal one ("4.860.000,5" / "4,860,000.5").
        if tok.rfind(",") > tok.rfind("."):
            tok = tok.replace(".", "").replace(",", ".")
        else:
            tok = tok.replace(",", "")
    elif has_c:
        parts = tok.split(",")
        if len(parts) > 2 or all(len(p) == 3 for p in parts[1:]):
            tok = tok.replace(",", "")  # 4,860,000 / 4,860
        else:
            tok = tok.replace(",", ".")  # European decimal 4,86
    elif has_d:
        parts = tok.split(".")
        if len(parts) > 2:
            tok = tok.replace(".", "")  # European thousands 4.860.000
        # single dot: English decimal ("4.860" is read as 4.86; documented ambiguity)
    try:
        return float(tok)
    except ValueError:
        return None


def extract_numbers(text: str | None) -> list[float]:
    """All numeric values in `text`, with scale words (k, M, million, Mio, bn) applied."""
    if not text:
        return []
    out: list[float] = []
    for m in _NUM_RE.finditer(unicodedata.normalize("NFKC", text).replace("\u00a0", " ")):
        val = _parse_number_token(m.group("num"))
        if val is None:
            continue
        scale = m.group("scale")
        if scale:
            s = scale.lower()
            # A bare single letter only scales money-like or number-adjacent tokens ("$4.86M", "5k").
            if len(s) == 1 and m.group(0)[len(m.group(0)) - 1 - len(scale)].isspace():
                s = ""
            val *= _SCALES.get(s, 1.0)
        if m.group("sign"):
            val = -val
        out.append(val)
    return out


def numbers_close(a: float, b: float, rel_tol: float = 0.005, abs_tol: float = 1e-9) -> bool:
    """Tolerant numeric equality (relative tolerance by default: 4.86M vs 4,860,123 passes at 0.5%)."""
    return math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol)


def numeric_match(
    prediction: str | None, reference: str | None, rel_tol: float = 0.005, abs_tol: float = 1e-9
) -> float | None:
    """Share of the reference's numbers that appear (within tolerance) in the prediction.

    Returns None when the reference holds no number: the metric is then not applicable, which is
    different from a score of 0.
    """
    ref_nums = extract_numbers(reference)
    if not ref_nums:
        return None
    pred_nums = extract_numbers(prediction)
    hit = sum(any(numbers_close(r, p, rel_tol, abs_tol) for p in pred_nums) for r in ref_nums)
    return hit / len(ref_nums)
