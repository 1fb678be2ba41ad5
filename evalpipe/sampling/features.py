"""`log_features`: one feature row per scrubbed canonical `llm_call` row.

Features feed stratification (intent, language group, feedback, error class, length bucket)
and dedup (content hash, normalised user text).  Every row carries `features_version`
(code + classifier + language-model versions), so a sample can say which features it used.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from evalpipe.sampling.intent import CentroidIntentClassifier, KeywordIntentClassifier
from evalpipe.sampling.text import PSEUDONYM_RE, content_hash, last_user_turn, normalise_text, parse_messages

FEATURES_CODE_VERSION = "features/1"

# Languages the identifier may answer (restricting the set cuts false positives on short chat
# turns); anything below LANG_MIN_CONF or with < 3 letters is "und".
LANGUAGES: tuple[str, ...] = (
    "en",
    "de",
    "fr",
    "es",
    "it",
    "pt",
    "nl",
    "sv",
    "da",
    "no",
    "pl",
    "cs",
    "ru",
    "uk",
    "tr",
    "ar",
    "zh",
    "ja",
    "ko",
    "hi",
)
LANG_MIN_CONF = 0.5
LANGUAGE_GROUPS = {"en": "en", "de": "eu", "fr": "eu", "es": "eu", "it": "eu", "pt": "eu", "nl": "eu"}

# Upper bounds (exclusive, characters of the last user turn) of the length buckets.
LENGTH_BUCKETS: tuple[tuple[str, int], ...] = (("empty", 1), ("xs", 40), ("s", 120), ("m", 400), ("l", 1500))

_LETTER_RE = re.compile(r"[^\W\d_]", re.UNICODE)
_OK_FINISH = {None, "", "stop", "end_turn", "tool_calls", "function_call", "stop_sequence"}
_TRUNC_FINISH = {"length", "max_tokens", "max_output_tokens"}
_PATTERNS = [
    ("content_filter", re.compile(r"content[_ ]?filter|content[_ ]?policy|safety|moderation", re.I)),
    ("rate_limit", re.compile(r"rate[_ ]?limit|\b429\b|too many requests|quota", re.I)),
    ("timeout", re.compile(r"time[_ ]?out|timed out|deadline|\b504\b|\b408\b", re.I)),
    ("truncation", re.compile(r"max_tokens|context[_ ]length|truncat", re.I)),
]


@lru_cache(maxsize=1)
def _lang_identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(LANGUAGES))
    return ident


def detect_language(text: str) -> tuple[str, float]:
    """(ISO 639-1 code or "und", confidence) for a user turn; pseudonym tokens are ignored."""
    t = PSEUDONYM_RE.sub(" ", text or "")
    if len(_LETTER_RE.findall(t)) < 3:
        return "und", 0.0
    lang, conf = _lang_identifier().classify(t)
    conf = float(conf)
    return (lang, conf) if conf >= LANG_MIN_CONF else ("und", conf)


def language_group(lang: str) -> str:
    if lang == "und":
        return "und"
    return LANGUAGE_GROUPS.get(lang, "other")


def length_bucket(n_chars: int) -> str:
    for name, upper in LENGTH_BUCKETS:
        if n_chars < upper:
            return name
    return "xl"


def feedback_label(score: Any) -> str:
    if score is None or (isinstance(score, float) and np.isnan(score)) or score is pd.NA:
        return "none"
    s = float(score)
    return "positive" if s > 0 else "negative" if s < 0 else "none"


def error_class(status: Any, error_type: Any, finish_reason: Any, error_message: Any = None) -> str:
    """none | timeout | rate_limit | content_filter | truncation | other.

    finish_reason "length"/"content_filter" on an ok call count as truncation/content_filter:
    the user saw a cut or filtered answer even though the call did not fail.
    """
    fr = finish_reason if isinstance(finish_reason, str) else None
    et = error_type if isinstance(error_type, str) else ""
    em = error_message if isinstance(error_message, str) else ""
    if fr == "content_filter":
        return "content_filter"
    if fr in _TRUNC_FINISH:
        return "truncation"
    failed = isinstance(status, str) and status.lower() not in ("ok", "success", "")
    if not failed and not et:
        return "none"
    for cls, rx in _PATTERNS:
        if rx.search(et):
            return cls
    for cls, rx in _PATTERNS:
        if rx.search(em):
            return cls
    return "other" if failed or et else "none"


def _intent_classifier(method: str) -> Any:
    if method == "keyword":
        return KeywordIntentClassifier()
    if method == "centroid":
        return CentroidIntentClassifier()
    raise ValueError(f"intent method must be 'keyword' or 'centroid', got {method!r}")


def features_version(intent_version: str) -> str:
    import py3langid

    return (
        f"{FEATURES_CODE_VERSION};{intent_version};py3langid={py3langid.__version__};"
        f"langs={len(LANGUAGES)}@{LANG_MIN_CONF}"
    )


def log_features(
    df: pd.DataFrame, intent_method: str = "keyword", classifier: Any | None = None
) -> pd.DataFrame:
    """Feature table (one row per input row, same order) keyed by `record_id`.

    Columns: record_id, day, user_text_chars (`input_chars`), n_turns, language, language_conf,
    language_group, intent, length_bucket, feedback, error_class, content_hash, norm_text,
    scrubber_version (passed through; None when absent), features_version.
    `norm_text` is the *scrubbed* normalised last user turn (for near-dedup).
    """
    clf = classifier if classifier is not None else _intent_classifier(intent_method)
    n = len(df)
    msgs_col = df["input_messages"] if "input_messages" in df else pd.Series([None] * n)
    user = [last_user_turn(m) for m in msgs_col]
    n_turns = [
        sum(1 for m in parse_messages(x) if isinstance(m, dict) and m.get("role") == "user") for x in msgs_col
    ]
    langs = [detect_language(t) for t in user]

    def col(name: str) -> list:
        return df[name].tolist() if name in df else [None] * n

    out = pd.DataFrame(
        {
            "record_id": df["record_id"].astype(str).tolist(),
            "day": col("day"),
            "input_chars": np.array([len(t) for t in user], dtype=np.int64),
            "n_turns": np.array(n_turns, dtype=np.int64),
            "language": [lang for lang, _ in langs],
            "language_conf": np.array([c for _, c in langs], dtype=np.float64),
            "intent": clf.predict(user),
            "feedback": [feedback_label(s) for s in col("feedback_score")],
            "error_class": [
                error_class(s, e, f, m)
                for s, e, f, m in zip(
                    col("status"), col("error_type"), col("finish_reason"), col("error_message"), strict=True
                )
            ],
            "content_hash": [content_hash(t) for t in user],
            "norm_text": [normalise_text(t) for t in user],
            "scrubber_version": col("scrubber_version"),
        }
    )
    out["language_group"] = out["language"].map(language_group)
    out["length_bucket"] = out["input_chars"].map(length_bucket)
    out["features_version"] = features_version(clf.version)
    return out
