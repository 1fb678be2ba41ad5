"""metric_validity on the planted sample data, and its place in the gate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalpipe.production.validity import (
    GateValidityPolicy,
    MetricValidityConfig,
    answer_words,
    call_table,
    gating_validity,
    run_metric_validity,
    validity_markdown,
)
from evalpipe_tests.production.planted import planted_logs_and_scores


@pytest.fixture(scope="module")
def planted():
    return planted_logs_and_scores()


def test_planted_faithfulness_is_predictive_and_length_is_not(planted):
    logs, scores = planted
    run = run_metric_validity(logs, scores, MetricValidityConfig.load())
    s = run.result.summary.set_index("metric")
    assert s.loc["faithfulness", "verdict"] == "predictive"
    assert s.loc["answer_words", "verdict"] == "not predictive"
    t = run.result.table.set_index(["metric", "outcome"])
    f = t.loc[("faithfulness", "negative_feedback")]
    assert f["auroc_low"] > 0.55 and f["n_sessions"] < f["n"]  # clustered by session
    w = t.loc[("answer_words", "negative_feedback")]
    assert w["auroc_low"] < 0.5 < w["auroc_high"]
    assert len(run.days) == 14 and run.outcome_counts["negative_feedback"] > 30
    assert not run.result.calibration[run.result.calibration["metric"] == "faithfulness"].empty
    md = validity_markdown(run)
    assert "| faithfulness | negative_feedback |" in md and "predictive" in md


def test_window_and_insufficient_feedback(planted):
    logs, scores = planted
    no_fb = logs.assign(feedback_score=np.nan)  # days without feedback
    cfg = MetricValidityConfig(window_days=3, metrics={"faithfulness": True}, outcomes=("negative_feedback",))
    run = run_metric_validity(no_fb, scores, cfg)
    assert len(run.days) == 3 and run.days[-1] == "2026-11-29"
    assert run.result.table["verdict"].tolist() == ["insufficient feedback"]


def test_calls_without_context_are_not_checkable_not_failed(planted):
    logs, scores = planted
    calls = call_table(logs, scores)
    off_topic = calls[calls["faithfulness"].isna()]
    assert len(off_topic) > 0  # no context / no answer: excluded from faithfulness (NaN), never scored 0
    st = scores[scores["metric"] == "faithfulness"]["status"].value_counts()
    assert st.get("not_checkable", 0) > 0 and st.get("error", 0) == 0
    run = run_metric_validity(logs, scores, MetricValidityConfig(metrics={"faithfulness": True}))
    row = run.result.table.iloc[0]
    assert row["n_not_checkable"] == len(off_topic) and row["n"] + row["n_excluded"] == len(calls)


def test_answer_words_counts_text_parts_only():
    assert answer_words('[{"role":"assistant","parts":[{"type":"text","content":"a b c"}]}]') == 3
    assert np.isnan(answer_words(None))
    assert np.isnan(answer_words('[{"role":"assistant","parts":[{"type":"tool_call","name":"x"}]}]'))


def test_gate_policy_warns_or_excludes_a_not_predictive_gating_metric():
    summary = pd.DataFrame(
        [
            {
                "metric": "faithfulness",
                "verdict": "predictive",
                "best_outcome": "negative_feedback",
                "auroc": 0.67,
                "auroc_low": 0.61,
                "auroc_high": 0.73,
            },
            {
                "metric": "similarity",
                "verdict": "not predictive",
                "best_outcome": "escalation",
                "auroc": 0.5,
                "auroc_low": 0.47,
                "auroc_high": 0.53,
            },
        ]
    )
    raw = {
        "metrics": {
            "faithfulness": {"source": "faithfulness"},
            "similarity": {"source": "similarity"},
            "token_f1": {"source": "token_f1"},
        }
    }
    warn = GateValidityPolicy.from_report_yaml(raw)
    assert warn.mode == "warn"
    table, reasons, excluded = gating_validity(["faithfulness", "similarity", "token_f1"], summary, warn)
    assert table.set_index("metric")["verdict"].to_dict() == {
        "faithfulness": "predictive",
        "similarity": "not predictive",
        "token_f1": "no production data",
    }
    assert len(reasons) == 1 and "similarity" in reasons[0] and not excluded
    excl = GateValidityPolicy.from_report_yaml({**raw, "metric_validity": {"on_not_predictive": "exclude"}})
    _, reasons, excluded = gating_validity(["faithfulness", "similarity"], summary, excl)
    assert not reasons and set(excluded) == {"similarity"}
    with pytest.raises(ValueError):
        GateValidityPolicy.from_report_yaml({"metric_validity": {"on_not_predictive": "block"}})


def test_report_lists_validity_next_to_gating_metrics_and_warns_in_the_gate_reasons():
    from evalpipe.reports.report import build_report
    from evalpipe_tests.reports.test_report import _cfg, _scores

    summary = pd.DataFrame(
        [
            {
                "metric": "f1",
                "verdict": "not predictive",
                "best_outcome": "negative_feedback",
                "auroc": 0.5,
                "auroc_low": 0.46,
                "auroc_high": 0.54,
            }
        ]
    )
    table, warn, excluded = gating_validity(["pass", "f1"], summary, GateValidityPolicy())
    rep = build_report(
        _scores(n=200),
        _cfg(),
        dataset_version="v1",
        systems={"baseline": "a", "candidate": "b"},
        validity=table,
        validity_warnings=warn,
    )
    assert any("f1 is not predictive of user outcomes" in r for r in rep.reasons)
    md = rep.markdown(images=False)
    assert "| f1 | f1 | not predictive |" in md and "| pass | pass | no production data |" in md
    assert "report_metric_validity" in rep.tables()
    # exclude mode: the metric leaves the gate like an uncalibrated judge
    _, _, excluded = gating_validity(["f1"], summary, GateValidityPolicy(mode="exclude"))
    rep2 = build_report(
        _scores(n=200),
        _cfg(),
        dataset_version="v1",
        systems={"baseline": "a", "candidate": "b"},
        excluded_metrics=excluded,
    )
    f1 = rep2.comparison[rep2.comparison["metric"] == "f1"]
    assert (f1["n"] == 0).all() and not f1["gating"].astype(bool).any()
    assert any("metric f1 excluded from the gate: not predictive" in r for r in rep2.reasons)
