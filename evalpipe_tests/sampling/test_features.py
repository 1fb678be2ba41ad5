from __future__ import annotations

import json

import pandas as pd
import pytest

from evalpipe.sampling.features import (
    detect_language,
    error_class,
    feedback_label,
    language_group,
    length_bucket,
    log_features,
)
from evalpipe.sampling.intent import INTENTS, KeywordIntentClassifier, evaluate_intents, load_labelled
from evalpipe.sampling.text import content_hash


@pytest.mark.parametrize(
    ("status", "etype", "finish", "msg", "want"),
    [
        ("ok", None, "stop", None, "none"),
        ("ok", None, None, None, "none"),
        ("ok", None, "length", None, "truncation"),
        ("ok", None, "content_filter", None, "content_filter"),
        ("error", "timeout", None, None, "timeout"),
        ("error", "APITimeoutError", None, None, "timeout"),
        ("error", "RateLimitError", None, None, "rate_limit"),
        ("error", "429", None, None, "rate_limit"),
        ("error", None, None, "Request timed out after 30s", "timeout"),
        ("error", "content_policy_violation", None, None, "content_filter"),
        ("error", "InternalServerError", None, None, "other"),
        ("error", None, None, None, "other"),
    ],
)
def test_error_class(status, etype, finish, msg, want):
    assert error_class(status, etype, finish, msg) == want


def test_feedback_and_length_buckets():
    assert [feedback_label(x) for x in (1, -1, None, float("nan"), 0)] == [
        "positive",
        "negative",
        "none",
        "none",
        "none",
    ]
    assert [length_bucket(n) for n in (0, 5, 39, 40, 119, 120, 399, 400, 1499, 1500)] == [
        "empty",
        "xs",
        "xs",
        "s",
        "s",
        "m",
        "m",
        "l",
        "l",
        "xl",
    ]


def test_language_detection_restricted_and_und_for_short():
    assert detect_language("How much does the Team plan cost per month?")[0] == "en"
    assert detect_language("Wie viel kostet der Team-Plan pro Monat?")[0] == "de"
    assert detect_language("¿Cuánto cuesta el plan Team al mes?")[0] == "es"
    assert detect_language("ok")[0] == "und"
    assert detect_language("<PERSON_3f9a> <EMAIL_ADDRESS_00ff>")[0] == "und"
    assert [language_group(x) for x in ("en", "fr", "ja", "und")] == ["en", "eu", "other", "und"]


def _row(rid, text, **kw):
    msgs = [
        {"role": "system", "parts": [{"type": "text", "content": "sys"}]},
        {"role": "user", "parts": [{"type": "text", "content": text}]},
    ]
    base = {
        "record_id": rid,
        "day": "2026-11-01",
        "input_messages": json.dumps(msgs),
        "status": "ok",
        "error_type": None,
        "finish_reason": "stop",
        "feedback_score": None,
        "scrubber_version": "s/1",
    }
    base.update(kw)
    return base


def test_log_features_columns_and_values():
    df = pd.DataFrame(
        [
            _row("a", "How much does the Team plan cost for 12 agents?", feedback_score=1),
            _row("b", "Is Brightdesk cheaper than Zendesk?", status="error", error_type="RateLimitError"),
            _row("c", "", finish_reason="length", feedback_score=-1),
        ]
    )
    f = log_features(df)
    assert list(f["record_id"]) == ["a", "b", "c"]
    assert list(f["intent"]) == ["pricing", "competitor", "off_topic"]
    assert list(f["feedback"]) == ["positive", "none", "negative"]
    assert list(f["error_class"]) == ["none", "rate_limit", "truncation"]
    assert list(f["length_bucket"]) == ["s", "xs", "empty"]
    assert f.loc[0, "content_hash"] == content_hash("How much does the Team plan cost for 12 agents?")
    assert f.loc[0, "norm_text"] == "how much does the team plan cost for 12 agents?"
    assert f["features_version"].nunique() == 1
    assert "intent-kw/1+" in f.loc[0, "features_version"] and "py3langid" in f.loc[0, "features_version"]
    assert list(f["scrubber_version"]) == ["s/1"] * 3


def test_keyword_intent_accuracy_on_shipped_labelled_set():
    labelled = load_labelled()
    assert {e["intent"] for e in labelled} == set(INTENTS)
    res = evaluate_intents(KeywordIntentClassifier(), labelled, split="test")
    assert res["n"] >= 50
    assert res["accuracy"] >= 0.9, res["errors"]


@pytest.mark.slow
def test_centroid_intent_accuracy_on_test_split():
    from evalpipe.sampling.intent import CentroidIntentClassifier

    res = evaluate_intents(CentroidIntentClassifier(), split="test")
    assert res["accuracy"] >= 0.85, res["errors"]
