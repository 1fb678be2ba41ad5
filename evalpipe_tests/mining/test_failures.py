"""Failure mining: planted failures become deduplicated, clustered regression cases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd

from evalpipe.mining.failures import MiningConfig, mine, production_failures, to_regression_cases
from evalpipe.suites import append_regression_cases
from evalpipe.suites.regression import load_regression_cases

DATA = Path(__file__).resolve().parents[2] / "data"


def _row(i: int, question: str, **kw) -> dict:
    base = {
        "record_id": f"r{i}",
        "day": "2026-11-20",
        "status": "ok",
        "finish_reason": "stop",
        "feedback_score": None,
        "feedback_comment": None,
        "error_type": None,
        "tags": ["intent_hint:pricing"],
        "input_messages": json.dumps([{"role": "user", "parts": [{"type": "text", "content": question}]}]),
        "output_messages": json.dumps(
            [{"role": "assistant", "parts": [{"type": "text", "content": "answer"}]}]
        ),
        "retrieved_context": json.dumps(
            [{"id": "kb/pricing.md#1", "content": "Team is $29 per user per month."}]
        ),
    }
    base.update(kw)
    return base


def _logs() -> pd.DataFrame:
    return pd.DataFrame(
        [
            _row(
                1,
                "How much is the Business plan for 40 agents billed yearly?",
                feedback_score=-1,
                feedback_comment="Wrong price.",
            ),
            _row(
                2, "How much is the Business plan for 40 agents billed yearly??", feedback_score=-1
            ),  # near-dup of 1
            _row(3, "Why was I charged twice this month on my card?", status="error", error_type="timeout"),
            _row(4, "Explain every SLA policy option in detail please", finish_reason="length"),
            _row(
                5, "We're 12 agents on Team, billed annually. What do we pay per year?", feedback_score=-1
            ),  # reg-0001
            _row(6, "Does Starter include webhooks and what else?", feedback_score=1),  # not a failure
        ]
    )


def test_planted_failures_become_regression_cases(tmp_path):
    cands = production_failures(_logs())
    assert len(cands) == 5, "the positive-feedback call is not a candidate"
    reg = tmp_path / "regression.yaml"
    shutil.copyfile(DATA / "regression" / "regression.yaml", reg)
    mined = mine(cands, load_regression_cases(reg), MiningConfig())
    by_q = {
        json.loads(m)[-1]["content"]: r
        for m, r in zip(mined["messages"], mined.to_dict("records"), strict=True)
    }
    assert (
        by_q["We're 12 agents on Team, billed annually. What do we pay per year?"]["duplicate_of"]
        == "reg-0001"
    )
    assert not by_q["Why was I charged twice this month on my card?"]["accepted"], (
        "infrastructure is not promoted"
    )
    assert by_q["Explain every SLA policy option in detail please"]["accepted"]
    pair = [
        by_q["How much is the Business plan for 40 agents billed yearly?"],
        by_q["How much is the Business plan for 40 agents billed yearly??"],
    ]
    assert sum(p["accepted"] for p in pair) == 1, "near-duplicates promote once"
    accepted = mined[mined["accepted"]]
    added = append_regression_cases(to_regression_cases(accepted, "2026-11-30"), path=reg)
    assert len(added) == len(accepted) == 2
    cases = {c["id"]: c for c in load_regression_cases(reg)}
    for cid in added:
        assert cases[cid]["root_cause"] and cases[cid]["origin"]["kind"] == "failure_mining"
        assert cases[cid]["origin"]["record_id"].startswith("r")
    # Idempotent: mining the same logs again promotes nothing new.
    again = mine(production_failures(_logs()), load_regression_cases(reg), MiningConfig())
    assert (
        append_regression_cases(to_regression_cases(again[again["accepted"]], "2026-12-01"), path=reg) == []
    )


def test_cluster_cap_limits_a_spike():
    logs = pd.DataFrame(
        [
            _row(i, f"Question number {i} about a totally different topic {i * 7919}", finish_reason="length")
            for i in range(10)
        ]
    )
    mined = mine(production_failures(logs), [], MiningConfig(max_per_cluster=3, threshold=0.95))
    assert mined["accepted"].sum() == 3
    assert (mined["note"].str.startswith("cluster cap")).sum() == 7
