"""Metric validity: AUROC / Spearman with session-clustered bootstrap CIs, verdicts, user outcomes."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from evalpipe.stats.validity import (
    CALIBRATION_COLUMNS,
    VALIDITY_COLUMNS,
    ValidityConfig,
    ValidityMetric,
    derive_user_outcomes,
    is_reask,
    metric_validity,
    rank_stats,
)


def _planted(seed=0, sessions=1500, feedback_rate=1.0, session_sd=0.7, mood_sd=0.0, calls=2):
    """Calls in sessions; faithfulness and thumbs-down both driven by a latent answer quality
    (with a session component), answer length unrelated to either.  `mood_sd`: a per-session
    propensity to click thumbs-down and a per-session metric offset, unrelated to each other."""
    rng = np.random.default_rng(seed)
    sizes = 1 + rng.poisson(calls, sessions)
    sid = np.repeat(np.arange(sessions), sizes)
    n = sid.size
    q = rng.normal(0, session_sd, sessions)[sid] + rng.normal(0, 0.7, n)
    faith = 1 / (1 + np.exp(-(1 + 1.5 * q + rng.normal(0, mood_sd, sessions)[sid])))
    length = rng.integers(20, 300, n).astype(float)
    p_neg = 1 / (1 + np.exp(-(-2.5 - 1.0 * q + rng.normal(0, mood_sd, sessions)[sid])))
    neg = ((rng.random(n) < p_neg) & (rng.random(n) < feedback_rate)).astype(float)
    return pd.DataFrame(
        {
            "session_id": [f"s{i}" for i in sid],
            "faithfulness": faith,
            "length": length,
            "negative_feedback": neg,
        }
    )


CFG = ValidityConfig(
    metrics={"faithfulness": True, "length": ValidityMetric(higher_is_better=False)},
    outcomes=("negative_feedback",),
    n_boot=400,
)


def test_rank_stats_match_sklearn_and_scipy_with_ties_and_weights():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 6, 300).astype(float)
    y = (rng.random(300) < 0.3).astype(float)
    auc, rho = rank_stats(x, y)
    assert auc == pytest.approx(roc_auc_score(y, x), abs=1e-12)
    assert rho == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)
    w = rng.integers(0, 4, 300)
    auc_w, rho_w = rank_stats(x, y, w)
    xe, ye = np.repeat(x, w), np.repeat(y, w)
    assert auc_w == pytest.approx(roc_auc_score(ye, xe), abs=1e-12)
    assert rho_w == pytest.approx(stats.spearmanr(xe, ye)[0], abs=1e-12)


def test_planted_predictive_metric_and_unrelated_length():
    df = _planted()
    res = metric_validity(df, CFG)
    assert list(res.table.columns) == VALIDITY_COLUMNS
    assert list(res.calibration.columns) == CALIBRATION_COLUMNS
    t = res.table.set_index("metric")
    assert t.loc["faithfulness", "verdict"] == "predictive"
    assert t.loc["faithfulness", "auroc_low"] > 0.55
    assert t.loc["faithfulness", "spearman_low"] > 0
    assert t.loc["length", "verdict"] == "not predictive"
    assert t.loc["length", "auroc_low"] < 0.5 < t.loc["length", "auroc_high"]
    assert dict(zip(res.summary.metric, res.summary.verdict, strict=True)) == {
        "faithfulness": "predictive",
        "length": "not predictive",
    }
    # calibration: low faithfulness bins see more thumbs-down; bins hold every included call
    cal = res.calibration[res.calibration.metric == "faithfulness"].sort_values("bin")
    assert cal.outcome_rate.iloc[0] > 2 * cal.outcome_rate.iloc[-1]
    assert cal.n.sum() == t.loc["faithfulness", "n"]
    # disagreement components add up
    row = t.loc["faithfulness"]
    assert row.disagree_share == pytest.approx(row.pass_but_bad + row.fail_but_ok)


def test_session_clustered_ci_wider_than_call_level():
    df = _planted(seed=2, sessions=600, session_sd=0.5, mood_sd=1.5, calls=6)
    clustered = metric_validity(df, CFG).table.set_index("metric").loc["faithfulness"]
    iid = metric_validity(df.assign(session_id=np.arange(len(df))), CFG).table.set_index("metric")
    iid = iid.loc["faithfulness"]
    assert clustered.auroc == pytest.approx(iid.auroc)
    assert (clustered.auroc_high - clustered.auroc_low) > 1.15 * (iid.auroc_high - iid.auroc_low)


def test_insufficient_feedback_on_few_events_and_days_without_feedback():
    df = _planted(seed=3, sessions=400, feedback_rate=0.1)  # ~10 thumbs-down
    assert df.negative_feedback.sum() < 30
    res = metric_validity(df, CFG)
    assert set(res.table.verdict) == {"insufficient feedback"}
    assert set(res.summary.verdict) == {"insufficient feedback"}
    none = metric_validity(df.assign(negative_feedback=0.0), CFG)  # no feedback at all
    assert set(none.table.verdict) == {"insufficient feedback"}
    assert none.table.auroc.isna().all()
    # the minimum is configurable
    low = metric_validity(
        df, ValidityConfig(metrics=CFG.metrics, outcomes=CFG.outcomes, n_boot=200, min_events=5)
    )
    assert "insufficient feedback" not in set(low.table.verdict)


def test_not_checkable_calls_are_excluded_and_counted():
    df = _planted(seed=4)
    df.loc[df.index[::7], "faithfulness"] = np.nan
    t = metric_validity(df, CFG).table.set_index("metric")
    assert t.loc["faithfulness", "n_excluded"] == len(df.index[::7])
    assert t.loc["faithfulness", "n"] + t.loc["faithfulness", "n_excluded"] == len(df)
    assert t.loc["length", "n_excluded"] == 0


def test_inverted_metric_is_flagged():
    df = _planted(seed=5)
    cfg = ValidityConfig(metrics={"faithfulness": False}, outcomes=("negative_feedback",), n_boot=300)
    row = metric_validity(df, cfg).table.iloc[0]
    assert row.verdict == "not predictive" and row.inverted and row.auroc_high < 0.5


def test_deterministic_and_rejects_non_binary_outcome():
    df = _planted(seed=6, sessions=500)
    a = metric_validity(df, CFG).table
    b = metric_validity(df, CFG).table
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ValueError, match="0/1"):
        metric_validity(df.assign(negative_feedback=df.negative_feedback * 2 - 1), CFG)


def _call(session, minute, question, answer="ok", tools=(), feedback=None, turn=0):
    out_parts = [{"type": "text", "content": answer}]
    out_parts += [
        {"type": "tool_call", "id": f"c{i}", "name": n, "arguments": {}} for i, n in enumerate(tools)
    ]
    return {
        "session_id": session,
        "started_at": pd.Timestamp("2026-11-20T10:00:00Z") + pd.Timedelta(minutes=minute),
        "turn_index": turn,
        "input_messages": json.dumps([{"role": "user", "parts": [{"type": "text", "content": question}]}]),
        "output_messages": json.dumps([{"role": "assistant", "parts": out_parts, "finish_reason": "stop"}]),
        "feedback_score": feedback,
    }


def test_derive_user_outcomes_from_llm_call_rows():
    rows = [
        # s1: re-asked as a rephrase, then fine
        _call("s1", 0, "How do I reset my account password quickly?", turn=0),
        _call("s1", 2, "How can I reset the password on my account?", turn=1),
        # s2: explicit complaint marker, then a handoff tool call on the next answer
        _call("s2", 0, "Why was my invoice charged twice?", feedback=-1, turn=0),
        _call("s2", 1, "That's not what I asked, why two charges?", turn=1),
        _call("s2", 3, "ok", tools=["transfer_to_human"], turn=2),
        # s3: a new topic, and a repeat far outside the window
        _call("s3", 0, "Where can I download my invoices for last year?", feedback=1, turn=0),
        _call("s3", 1, "Can you change my plan to the business tier?", turn=1),
        _call("s3", 300, "Can you change my plan to the business tier please?", turn=2),
        # s4: the same question in another session is not a re-ask
        _call("s4", 0, "How can I reset the password on my account?", turn=0),
    ]
    calls = pd.DataFrame(rows).sample(frac=1, random_state=0)  # order must not matter
    out = derive_user_outcomes(calls).loc[range(len(rows))]
    assert out.asked_again.tolist() == [1, 0, 1, 0, 0, 0, 0, 0, 0]
    assert out.handoff.tolist() == [0, 0, 0, 1, 1, 0, 0, 0, 0]
    assert out.escalation.tolist() == [1, 0, 1, 1, 1, 0, 0, 0, 0]
    assert out.negative_feedback.tolist() == [0, 0, 1, 0, 0, 0, 0, 0, 0]
    rated = derive_user_outcomes(calls, feedback_population="rated").loc[range(len(rows))]
    assert rated.negative_feedback.isna().sum() == 7
    assert rated.negative_feedback.dropna().tolist() == [1.0, 0.0]


def test_is_reask():
    assert is_reask("How do I export all invoices to CSV?", "how do i export invoices to csv")
    assert is_reask("anything", "I already asked this")
    assert not is_reask("How do I export all invoices to CSV?", "Thanks, and how do I add a user?")
    assert not is_reask("hi", "hi")  # too few words to call it a rephrase
