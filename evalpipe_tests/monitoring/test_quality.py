"""Daily quality series and drift alarms."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalpipe.monitoring.quality import daily_log_quality, quality_drift


def _day(day: str, n: int, err: float, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "day": day,
            "request_model": "gpt-4o-mini",
            "status": np.where(rng.random(n) < err, "error", "ok"),
            "finish_reason": "stop",
            "feedback_score": rng.choice([1, -1, None], n, p=[0.2, 0.05, 0.75]),
            "latency_ms": rng.lognormal(7, 0.4, n),
        }
    )


def _series(errs: list[float], seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.date_range("2026-01-01", periods=len(errs)).strftime("%Y-%m-%d")
    return pd.concat([daily_log_quality(_day(d, 400, e, rng)) for d, e in zip(days, errs, strict=True)])


def test_planted_slow_error_rate_drift_alarms_and_stable_series_does_not():
    stable = quality_drift(_series([0.03] * 60), ref_days=14)
    assert not stable[stable.metric == "error_rate"].alarm.any()
    drifting = [0.03] * 30 + [0.03 + 0.002 * i for i in range(1, 31)]  # +0.2 points/day from day 31
    d = quality_drift(_series(drifting), ref_days=14)
    err = d[d.metric == "error_rate"].reset_index(drop=True)
    first = int(err.index[err.alarm][0])
    assert 30 <= first <= 45, f"alarm on day {first}"


def test_latency_psi_flags_a_distribution_shift():
    rng = np.random.default_rng(1)
    days = [f"2026-01-{i:02d}" for i in range(1, 11)]
    frames = [_day(d, 400, 0.03, rng) for d in days]
    frames[-1]["latency_ms"] *= 3
    series = pd.concat([daily_log_quality(f) for f in frames])
    d = quality_drift(series, ref_days=7)
    lat = d[d.metric == "latency_p50_ms"].set_index("day")
    assert lat.loc[days[-1], "psi_label"] == "major" and lat.loc[days[-2], "psi_label"] == "stable"
