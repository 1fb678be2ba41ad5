"""Second-line PII residue check for dataset rows (the scrubber's own check is the first line).

Typed pseudonyms (``<PERSON_3f9a>``) are allowed and removed before scanning.  Patterns are
deliberately high-precision (Luhn for cards, >= 9 digits for phones) so curated items with
numbers (prices, arithmetic) do not trip it.
"""

from __future__ import annotations

import re

from evalpipe.sampling.text import PSEUDONYM_RE

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_PHONE = re.compile(r"(?<![\w.])\+?\d[\d\s().-]{7,}\d(?![\w.])")
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_IPV4 = re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b")
_SECRET = re.compile(
    r"\b(?:sk-(?:ant-)?[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{30,}|xox[abpr]-[A-Za-z0-9-]{10,})\b"
)
_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def find_pii(text: str) -> list[tuple[str, str]]:
    """(kind, matched text) for each PII-looking span outside pseudonym tokens."""
    t = PSEUDONYM_RE.sub(" ", text or "")
    hits: list[tuple[str, str]] = []
    hits += [("email", m.group()) for m in _EMAIL.finditer(t)]
    hits += [("secret", m.group()) for m in _SECRET.finditer(t)]
    hits += [("ssn", m.group()) for m in _SSN.finditer(t)]
    hits += [("ip", m.group()) for m in _IPV4.finditer(t)]
    hits += [("iban", m.group()) for m in _IBAN.finditer(t)]
    cards = []
    for m in _CARD.finditer(t):
        d = re.sub(r"\D", "", m.group())
        if 13 <= len(d) <= 19 and _luhn(d):
            hits.append(("card", m.group()))
            cards.append(m.span())
    for m in _PHONE.finditer(t):
        overlaps_card = any(a < m.end() and m.start() < b for a, b in cards)
        if not overlaps_card and 9 <= len(re.sub(r"\D", "", m.group())) <= 15:  # E.164 max 15 digits
            hits.append(("phone", m.group()))
    return hits
