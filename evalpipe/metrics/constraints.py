"""Constraint checks on one output: length, forbidden terms, required phrases, JSON / JSON Schema,
answer language, refusal expectation, no PII.

Constraints are declared as a dict (from `data/metrics.yaml` per partition, overridden per item
by the example's `constraints` column)::

    {"length": {"min_words": 3, "max_words": 200, "min_chars": 1, "max_chars": 2000},
     "forbidden_terms": ["Zendesk", "TKT-"], "required_phrases": ["14 days"],
     "json": true | {"schema": {...}}, "language": "match" | "en",
     "refusal": "expected" | "not_expected", "no_pii": true}

Every check returns a `ConstraintResult` with a human-readable detail, so a failed gate says why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

PiiDetector = Callable[[str], Sequence[Any]]
"""Returns the PII findings in a text (empty = clean). The PII package's detector plugs in here."""

LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "sv", "da", "ja", "zh", "ru")


@dataclass(frozen=True)
class ConstraintResult:
    name: str
    passed: bool
    detail: str = ""
    value: float | None = None  # 1.0/0.0 by default; a measured quantity where one exists


# ---------------------------------------------------------------------------------------------
# JSON extraction
# ---------------------------------------------------------------------------------------------

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\r?\n?(.*?)```", re.DOTALL)


def extract_json(text: str | None) -> tuple[Any, str | None]:
    """Find the JSON value in messy model output.

    Tries, in order: the whole text; each ``` fenced block (```json first); then the first
    `{` or `[` from which a JSON value decodes, ignoring chatter before and after it.
    Returns (value, None) or (None, reason).
    """
    if text is None or not text.strip():
        return None, "empty output"
    s = text.strip().lstrip("\ufeff")
    try:
        return json.loads(s), None
    except ValueError:
        pass
    fences = _FENCE.findall(s)
    fences.sort(key=lambda f: f[0].lower() != "json")
    for _lang, body in fences:
        try:
            return json.loads(body.strip()), None
        except ValueError:
            continue
    dec = json.JSONDecoder()
    for m in re.finditer(r"[{\[]", s):
        try:
            value, _end = dec.raw_decode(s, m.start())
        except ValueError:
            continue
        if isinstance(value, dict | list):
            return value, None
    return None, "no JSON value found"


def check_json(text: str, schema: dict | None = None) -> ConstraintResult:
    """Valid JSON (extracted robustly) and, if a schema is given, conforming to it."""
    value, err = extract_json(text)
    if err:
        return ConstraintResult("json", False, err, 0.0)
    if schema:
        import jsonschema

        validator_cls = jsonschema.validators.validator_for(schema)
        errors = sorted(validator_cls(schema).iter_errors(value), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            where = "/".join(str(p) for p in e.path) or "<root>"
            return ConstraintResult("json", False, f"schema violation at {where}: {e.message}", 0.0)
    return ConstraintResult("json", True, "valid JSON" + (" matching schema" if schema else ""), 1.0)


# ---------------------------------------------------------------------------------------------
# Text checks
# ---------------------------------------------------------------------------------------------


def _word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))


def check_length(text: str, spec: dict) -> ConstraintResult:
    """Length within [min, max] chars and/or words (absent bounds are not checked)."""
    if not isinstance(spec, dict) or not set(spec) <= {"min_chars", "max_chars", "min_words", "max_words"}:
        raise ValueError(f"length spec must be a dict of min/max_chars/words, got {spec!r}")
    n_chars, n_words = len(text.strip()), _word_count(text)
    problems = []
    if "min_chars" in spec and n_chars < spec["min_chars"]:
        problems.append(f"{n_chars} chars < {spec['min_chars']}")
    if "max_chars" in spec and n_chars > spec["max_chars"]:
        problems.append(f"{n_chars} chars > {spec['max_chars']}")
    if "min_words" in spec and n_words < spec["min_words"]:
        problems.append(f"{n_words} words < {spec['min_words']}")
    if "max_words" in spec and n_words > spec["max_words"]:
        problems.append(f"{n_words} words > {spec['max_words']}")
    detail = "; ".join(problems) or f"{n_words} words, {n_chars} chars"
    return ConstraintResult("length", not problems, detail, float(not problems))


@lru_cache(maxsize=1024)
def _term_pattern(term: str) -> re.Pattern[str]:
    # Word boundaries only where the term starts/ends with a word character ("TKT-" still matches).
    left = r"(?<!\w)" if re.match(r"\w", term) else ""
    right = r"(?!\w)" if re.search(r"\w$", term) else ""
    return re.compile(left + re.escape(term) + right, re.IGNORECASE)


def find_terms(text: str, terms: Sequence[str]) -> list[str]:
    """The terms that occur in `text` (case-insensitive, on word boundaries)."""
    return [t for t in terms if t and _term_pattern(t).search(text or "")]


def check_forbidden_terms(text: str, terms: Sequence[str]) -> ConstraintResult:
    hits = find_terms(text, terms)
    return ConstraintResult(
        "forbidden_terms", not hits, ("found: " + ", ".join(hits)) if hits else "none found", float(not hits)
    )


def check_required_phrases(text: str, phrases: Sequence[str]) -> ConstraintResult:
    missing = [p for p in phrases if not find_terms(text, [p])]
    return ConstraintResult(
        "required_phrases",
        not missing,
        ("missing: " + ", ".join(missing)) if missing else "all present",
        (len(phrases) - len(missing)) / len(phrases) if phrases else 1.0,
    )


# ---------------------------------------------------------------------------------------------
# Language
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _lang_identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(LANGUAGES))
    return ident


@lru_cache(maxsize=65_536)
def detect_language(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, probability) restricted to LANGUAGES; (None, 0) for text too short to tell.

    URLs, code and numbers are stripped first: they carry no language but sway the classifier.
    Cached: the same question or canned answer recurs across calls (pure function of the text).
    """
    cleaned = re.sub(r"https?://\S+|`[^`]*`|[\d$€£%.,:;/()\[\]{}\"'#*_-]+", " ", text or "")
    if len(re.findall(r"[^\W\d_]{2,}", cleaned)) < 3:
        return None, 0.0
    lang, prob = _lang_identifier().classify(cleaned)
    return lang, float(prob)


def check_language(answer: str, question: str | None, expected: str = "match") -> ConstraintResult:
    """Answer language equals the question's ("match") or a fixed code; undecidable text passes."""
    a_lang, _ = detect_language(answer)
    target: str | None = expected
    if expected == "match":
        target, _ = detect_language(question or "")
    if a_lang is None or target is None:
        return ConstraintResult("language", True, f"not decidable (answer={a_lang}, expected={target})", 1.0)
    ok = a_lang == target
    return ConstraintResult("language", ok, f"answer={a_lang}, expected={target}", float(ok))


# ---------------------------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------------------------

_REFUSAL_PATTERNS = [
    # en
    r"\bI(?:'m| am)?\s+(?:sorry|afraid)\b.{0,40}\b(?:can(?:no|')t|cannot|unable|not able|won't)",
    r"\bI\s*(?:can(?:no|')t|cannot|won't|will not|am unable to|'m unable to|am not able to|'m not able to)\s+"
    r"(?:help|assist|provide|share|disclose|do that|do this|comply|answer|give|reveal|access|create|generate|"
    r"process|make|use|send|look up|retrieve|change|bypass|ignore)",
    r"\b(?:not able|unable) to (?:help|assist|share|provide|disclose) (?:with )?(?:that|this)",
    r"\bI must (?:decline|refuse)\b",
    r"\bas an AI\b.{0,40}\b(?:can(?:no|')t|cannot|unable)",
    r"\b(?:that|this) (?:request )?(?:is|goes) (?:against|outside) (?:our|my) (?:policy|policies|guidelines)",
    # de
    r"\b(?:ich kann|kann ich) (?:ihnen |dir )?(?:dabei |damit |hierbei )?(?:leider )?nicht\b",
    r"\bleider (?:kann|darf) ich\b",
    r"\bes tut mir leid\b.{0,60}\bnicht\b",
    r"\bich darf (?:keine|nicht)\b",
    # fr
    r"\bje ne (?:peux|suis pas en mesure|puis) pas\b",
    r"\bje ne peux pas\b",
    r"\b(?:désolé|désolée)\b.{0,60}\b(?:ne peux|impossible)\b",
    # es
    r"\bno puedo (?:ayudar|proporcionar|compartir|hacer|dar|revelar)\b",
    r"\blo siento\b.{0,60}\bno (?:puedo|es posible)\b",
    # it
    r"\bnon posso (?:aiutar|fornir|condivider|fare|dar|rivelar)",
    r"\bmi dispiace\b.{0,60}\bnon posso\b",
    # pt
    r"\bnão posso (?:ajudar|fornecer|compartilhar|fazer|dar|revelar)\b",
    r"\b(?:desculpe|lamento)\b.{0,60}\bnão posso\b",
    # nl
    r"\bik kan (?:je |u )?(?:daar |hier )?(?:niet|geen) (?:mee )?(?:helpen|geven|delen)\b",
]
_REFUSAL_RE = re.compile("|".join(f"(?:{p})" for p in _REFUSAL_PATTERNS), re.IGNORECASE | re.DOTALL)


def is_refusal(text: str | None) -> bool:
    """Multilingual phrase detector for refusals (en, de, fr, es, it, pt, nl).

    Looks at the opening of the answer (the first ~300 chars), where refusals live; a helpful
    answer that says "you cannot export after 30 days" later on is not a refusal.
    """
    if not text or not text.strip():
        return False
    return bool(_REFUSAL_RE.search(text.strip()[:300]))


def check_refusal(text: str, expected: bool) -> ConstraintResult:
    refused = is_refusal(text)
    ok = refused == expected
    detail = f"refused={refused}, expected={'refusal' if expected else 'answer'}"
    return ConstraintResult("refusal", ok, detail, float(ok))


# ---------------------------------------------------------------------------------------------
# PII (default detector: emails, phone numbers, Luhn-valid card numbers)
# ---------------------------------------------------------------------------------------------

_EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){2,4}(?!\w)"
)
_CARD_RE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def luhn_ok(digits: str) -> bool:
    """Luhn checksum (card numbers)."""
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def default_pii_detector(text: str) -> list[tuple[str, str]]:
    """Small regex set: (kind, match) for emails, phone numbers and Luhn-valid card numbers."""
    text = text or ""
    hits: list[tuple[str, str]] = [("EMAIL", m.group(0)) for m in _EMAIL_RE.finditer(text)]
    card_spans = []
    for m in _CARD_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            hits.append(("CREDIT_CARD", m.group(0)))
            card_spans.append(m.span())
    for m in _PHONE_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        inside_card = any(s <= m.start() < e for s, e in card_spans)
        if 9 <= len(digits) <= 15 and not inside_card and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", m.group(0)):
            hits.append(("PHONE", m.group(0)))
    return hits


def check_no_pii(text: str, detector: PiiDetector | None = None) -> ConstraintResult:
    findings = list((detector or default_pii_detector)(text or ""))
    shown = ", ".join(str(f) for f in findings[:3])
    return ConstraintResult(
        "no_pii",
        not findings,
        f"{len(findings)} finding(s): {shown}" if findings else "clean",
        float(not findings),
    )


# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------


def merge_constraints(*layers: dict | None) -> dict:
    """Later layers override earlier ones key by key; list terms are unioned (partition + item)."""
    out: dict = {}
    for layer in layers:
        for k, v in (layer or {}).items():
            if (
                k in ("forbidden_terms", "required_phrases")
                and isinstance(v, list)
                and isinstance(out.get(k), list)
            ):
                out[k] = list(dict.fromkeys(out[k] + v))
            elif isinstance(v, dict) and isinstance(out.get(k), dict):
                out[k] = {**out[k], **v}
            else:
                out[k] = v
    return out


def check_constraints(
    text: str | None,
    constraints: dict,
    question: str | None = None,
    pii_detector: PiiDetector | None = None,
) -> list[ConstraintResult]:
    """Run every declared constraint on `text`; unknown keys are reported as failed checks."""
    text = text or ""
    results: list[ConstraintResult] = []
    for key, spec in constraints.items():
        if spec is None or spec is False:
            continue
        try:
            if key == "length":
                results.append(check_length(text, spec))
            elif key == "forbidden_terms":
                results.append(check_forbidden_terms(text, list(spec)))
            elif key == "required_phrases":
                results.append(check_required_phrases(text, list(spec)))
            elif key == "json":
                schema = spec.get("schema") if isinstance(spec, dict) else None
                results.append(check_json(text, schema))
            elif key == "language":
                results.append(check_language(text, question, "match" if spec is True else str(spec)))
            elif key == "refusal":
                expected = spec in (True, "expected")
                results.append(check_refusal(text, expected))
            elif key == "no_pii":
                results.append(check_no_pii(text, pii_detector))
            else:
                results.append(ConstraintResult(key, False, f"unknown constraint {key!r}", 0.0))
        except Exception as exc:  # a broken spec must show up, not vanish
            results.append(ConstraintResult(key, False, f"error: {type(exc).__name__}: {exc}", None))
    return results


def check_constraints_many(
    texts: Sequence[str | None],
    constraints: Sequence[dict],
    questions: Sequence[str | None] | None = None,
    pii_detector: PiiDetector | None = None,
) -> list[list[ConstraintResult]]:
    """`check_constraints` over many outputs, computing each distinct (text, constraints, question) once.

    Production outputs repeat (canned answers, refusals, identical systems), so deduplication is
    the cheap win; results are shared objects (ConstraintResult is frozen).
    """
    questions = questions if questions is not None else [None] * len(texts)
    memo: dict[tuple, list[ConstraintResult]] = {}
    spec_keys: dict[int, str] = {}
    out = []
    for text, spec, q in zip(texts, constraints, questions, strict=True):
        sk = spec_keys.get(id(spec))
        if sk is None:
            sk = spec_keys[id(spec)] = json.dumps(spec, sort_keys=True, default=str)
        # the question only matters for language matching
        key = (text or "", sk, q if "language" in spec else None)
        res = memo.get(key)
        if res is None:
            res = memo[key] = check_constraints(text, spec, q, pii_detector)
        out.append(res)
    return out
