"""Drift on production metric series: design-effect-aware rates, since / onset in the check."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalpipe.monitoring.quality import drift_status, production_quality, quality_drift


def _scores(
    rng: np.random.Generator, days: int, rates: dict[str, list[float]], per_day: int = 300
) -> pd.DataFrame:
    """production_scores rows: sessions of 3 calls; binary metrics at the given daily rates."""
    frames = []
    for t, day in enumerate(pd.date_range("2026-11-01", periods=days).strftime("%Y-%m-%d")):
        sess = np.repeat(np.arange(per_day // 3), 3)
        for metric, r in rates.items():
            p = r[t]
            if metric == "faithfulness":
                y = np.clip(rng.normal(p, 0.25, per_day), 0, 1)
            else:
                # a session effect: calls of a session share part of their outcome
                s_eff = rng.random(per_day // 3)[sess] < 0.3
                y = np.where(s_eff, rng.random(per_day) < p, rng.random(per_day) < p).astype(float)
            frames.append(
                pd.DataFrame(
                    {
                        "day": day,
                        "production_model": "gpt-4o-mini",
                        "metric": metric,
                        "record_id": [f"{day}-{i}" for i in range(per_day)],
                        "session_id": [f"{day}-s{s}" for s in sess],
                        "value": y,
                        "weight": 1.0,
                        "status": "ok",
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def _daily(scores: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([production_quality(g) for _, g in scores.groupby("day")], ignore_index=True)


def test_rising_hallucinated_numbers_alarm_with_since_and_onset_stable_metrics_do_not():
    rng = np.random.default_rng(5)
    days = 28
    rising = [0.02] * 20 + [0.02 + 0.015 * i for i in range(1, 9)]  # from day 21 (2026-11-21)
    scores = _scores(
        rng,
        days,
        {
            "faithfulness.unsupported_number": rising,
            "constraint.forbidden_terms": [0.99] * days,
            "constraint.language": [0.7] * days,
            "faithfulness": [0.6] * days,
        },
    )
    drift = quality_drift(_daily(scores))
    status = drift_status(drift)
    assert not status["passed"]
    [alarm] = status["cusum_alarms"]
    assert alarm["metric"] == "faithfulness.unsupported_number"
    assert "2026-11-21" <= alarm["since"] <= "2026-11-26"  # flagged within ~5 days of the start
    assert "2026-11-18" <= alarm["onset"] <= alarm["since"]
    for m in ("constraint.forbidden_terms", "constraint.language", "faithfulness"):
        assert not drift[drift.metric == m]["alarm"].any(), m


def test_a_faithfulness_drop_alarms_downward_only():
    rng = np.random.default_rng(8)
    days = 24
    drop = [0.6] * 16 + [0.5] * 8
    rise = [0.6] * 16 + [0.7] * 8
    down = quality_drift(_daily(_scores(rng, days, {"faithfulness": drop})))
    up = quality_drift(_daily(_scores(rng, days, {"faithfulness": rise})))
    assert down["alarm"].iloc[-1] and not up["alarm"].any()  # higher faithfulness is not a drift alarm


def test_stable_production_series_rarely_alarm():
    """False alarms over 21 monitored days x 4 stable series, 20 systems: clustered rates counted
    on their effective size keep it near the nominal rate (one-sided ARL0 ≈ 930 days)."""
    rng = np.random.default_rng(13)
    days, fails = 28, 0
    for _ in range(20):
        scores = _scores(
            rng,
            days,
            {
                m: [p] * days
                for m, p in (
                    ("tool_error", 0.05),
                    ("session_retry", 0.08),
                    ("constraint.no_pii", 0.99),
                    ("faithfulness", 0.6),
                )
            },
            per_day=150,
        )
        fails += int(not drift_status(quality_drift(_daily(scores)))["passed"])
    assert fails <= 3, f"{fails}/20 stable systems flagged"
