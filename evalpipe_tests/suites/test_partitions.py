from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from evalpipe.sampling.features import log_features
from evalpipe.sampling.sample import stratified_sample
from evalpipe.sampling.synthetic import synthetic_scrubbed_logs
from evalpipe.suites.adversarial import adversarial_rows
from evalpipe.suites.distribution import UnscrubbedInputError, distribution_rows, rebuild_messages
from evalpipe.suites.pii_guard import find_pii
from evalpipe.suites.regression import (
    RegressionCaseError,
    append_regression_cases,
    load_regression_cases,
    regression_rows,
)
from evalpipe.suites.schema import EVAL_COLUMNS


def test_adversarial_deterministic_and_complete():
    a, b = adversarial_rows(seed=3), adversarial_rows(seed=3)
    assert a == b
    assert a != adversarial_rows(seed=4)
    cats = {json.loads(r["source"])["category"] for r in a}
    assert cats == {
        "prompt_injection",
        "jailbreak",
        "unsupported_language",
        "competitor_comparison",
        "empty_input",
        "overlong_input",
        "contradictory_instructions",
        "other_customer_data",
    }
    for r in a:
        c = json.loads(r["constraints"])
        assert isinstance(c["refusal_expected"], bool)
        cat = json.loads(r["source"])["category"]
        if cat in ("jailbreak", "other_customer_data"):
            assert c["refusal_expected"] is True
        if cat == "prompt_injection":  # the canary is in the prompt and forbidden in the answer
            canary = c["forbidden_terms"][0]
            assert canary.startswith("ZX-CANARY-") and canary in r["input_messages"]
        if cat == "overlong_input":
            assert len(json.loads(r["input_messages"])[0]["content"]) > 20_000
        if cat == "empty_input":
            assert json.loads(r["input_messages"])[0]["content"].strip() == ""


def test_regression_starter_and_append(tmp_path):
    rows = regression_rows()
    assert len(rows) >= 5
    assert all(json.loads(r["source"])["root_cause"] for r in rows)
    path = tmp_path / "reg.yaml"
    path.write_text(
        (__import__("pathlib").Path(__file__).parents[2] / "data/regression/regression.yaml").read_text()
    )
    n0 = len(load_regression_cases(path))
    case = {
        "prompt": "How many agents on Starter?",
        "reference": "Up to 3.",
        "root_cause": "answered 5",
        "context": ["kb/pricing.md#plans"],
        "origin": {"kind": "failure_mining", "record_id": "abc"},
    }
    added = append_regression_cases([case], path)
    assert len(added) == 1 and added[0].startswith("reg-")
    assert append_regression_cases([case], path) == []  # idempotent
    assert len(load_regression_cases(path)) == n0 + 1
    assert yaml.safe_load(path.read_text())["cases"][-1]["origin"]["record_id"] == "abc"
    with pytest.raises(RegressionCaseError, match="root_cause"):
        append_regression_cases([{"prompt": "x"}], path)
    with pytest.raises(RegressionCaseError, match="unknown KB passage"):
        append_regression_cases([{"prompt": "x", "root_cause": "y", "context": ["kb/nope.md"]}], path)
    assert len(load_regression_cases(path)) == n0 + 1  # failed appends wrote nothing


def test_rebuild_messages_text_only_no_system():
    msgs = [
        {"role": "system", "parts": [{"type": "text", "content": "secret system prompt"}]},
        {"role": "user", "parts": [{"type": "text", "content": "hi"}]},
        {"role": "assistant", "parts": [{"type": "tool_call", "id": "1", "name": "lookup", "arguments": {}}]},
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "1", "response": "data"}]},
        {"role": "assistant", "parts": [{"type": "text", "content": "hello"}]},
        {"role": "user", "parts": [{"type": "text", "content": "price?"}]},
        {"role": "assistant", "parts": [{"type": "text", "content": "trailing"}]},
    ]
    assert rebuild_messages(json.dumps(msgs)) == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "price?"},
    ]


def _planted_logs():
    text = (
        "Hi, I'm <PERSON_3f9a>, mail me at <EMAIL_ADDRESS_1b2c> or call <PHONE_NUMBER_77aa> about my refund"
    )
    logs = synthetic_scrubbed_logs(40, seed=2)
    msgs = [
        {"role": "system", "parts": [{"type": "text", "content": "sys"}]},
        {"role": "user", "parts": [{"type": "text", "content": text}]},
    ]
    logs.loc[0, "input_messages"] = json.dumps(msgs)
    logs.loc[0, "output_messages"] = json.dumps(
        [
            {
                "role": "assistant",
                "parts": [{"type": "text", "content": "Sure <PERSON_3f9a>, refunds take 5-10 days."}],
            }
        ]
    )
    return logs, text


def test_distribution_keeps_pseudonyms_and_adds_nothing():
    logs, text = _planted_logs()
    feats = log_features(logs)
    sample = stratified_sample(
        feats,
        {
            "rate": 1.0,
            "min_per_stratum": 1,
            "small_stratum_policy": "take_all",
            "dedup": {"exact": False, "near": False},
        },
    )
    rows = distribution_rows(sample, logs)
    assert len(rows) == len(logs)
    r0 = next(r for r in rows if r["example_id"] == f"dist-{logs.loc[0, 'record_id']}")
    assert json.loads(r0["input_messages"]) == [{"role": "user", "content": text}]
    assert r0["production_answer"] == "Sure <PERSON_3f9a>, refunds take 5-10 days."
    assert r0["reference"] is None and r0["weight"] == 1.0
    for r in rows:
        assert set(r) == set(EVAL_COLUMNS)
        for v in (r["input_messages"], r["production_answer"], r["context"], r["source"]):
            assert not find_pii(v or "")


def test_distribution_refuses_unscrubbed_rows():
    logs, _ = _planted_logs()
    feats = log_features(logs)
    sample = stratified_sample(feats, {"rate": 0.5, "min_per_stratum": 1, "small_stratum_policy": "take_all"})
    with pytest.raises(UnscrubbedInputError):
        distribution_rows(sample, logs.drop(columns=["scrubber_version"]))
    logs2 = logs.copy()
    logs2["scrubber_version"] = None
    with pytest.raises(UnscrubbedInputError):
        distribution_rows(sample, logs2)


def test_pii_guard_known_answers():
    assert find_pii("write to jane.doe@example.com") == [("email", "jane.doe@example.com")]
    assert [k for k, _ in find_pii("card 4111 1111 1111 1111 please")] == ["card"]
    assert find_pii("card 4111 1111 1111 1112") == []  # fails Luhn
    assert [k for k, _ in find_pii("call +1 415 555 0100")] == ["phone"]
    assert find_pii("<EMAIL_ADDRESS_1b2c> <PERSON_3f9a> $3,480 (17 + 26) * 3 - 14 ticket #48213") == []
    assert [k for k, _ in find_pii("key sk-abcdefghijklmnop1234")] == ["secret"]


def test_frame_shape():
    df = pd.DataFrame(adversarial_rows(), columns=EVAL_COLUMNS)
    assert list(df.columns) == EVAL_COLUMNS
