"""Daily quality series and drift alarms."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

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


def _fast_series(rng: np.random.Generator, per_day: int, days: int = 53) -> pd.DataFrame:
    """A stable system's daily_quality rows built directly (same columns, no per-request frame)."""
    from evalpipe.monitoring.quality import LATENCY_EDGES

    rows = []
    for d in pd.date_range("2026-01-01", periods=days).strftime("%Y-%m-%d"):
        rated = rng.binomial(per_day, 0.25)
        for metric, k, n in (
            ("error_rate", rng.binomial(per_day, 0.03), per_day),
            ("negative_feedback_rate", rng.binomial(rated, 0.2), rated),
            ("truncation_rate", rng.binomial(per_day, 0.01), per_day),
        ):
            p = k / n if n else np.nan
            rows.append(
                {
                    "day": d,
                    "system": "m",
                    "metric": metric,
                    "value": p,
                    "n": n,
                    "se": np.sqrt(p * (1 - p) / n) if n else np.nan,
                    "latency_hist": None,
                }
            )
        lat = rng.lognormal(7, 0.4, per_day)
        hist = json.dumps(np.histogram(lat, bins=LATENCY_EDGES)[0].tolist())
        for q, name in ((50, "latency_p50_ms"), (95, "latency_p95_ms")):
            rows.append(
                {
                    "day": d,
                    "system": "m",
                    "metric": name,
                    "value": float(np.percentile(lat, q)),
                    "n": per_day,
                    "se": np.nan,
                    "latency_hist": hist if q == 50 else None,
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("per_day", [300, 60])
def test_check_passes_on_a_stable_system(per_day):
    """Issue 17 item 9: the old check (any alarm or major PSI on any of 53 days, 7-day reference)
    failed 66% of stable systems at 300 requests/day and 100% at 60/day."""
    from evalpipe.monitoring.quality import drift_status

    rng = np.random.default_rng(per_day)
    fails = [not drift_status(quality_drift(_fast_series(rng, per_day)))["passed"] for _ in range(30)]
    assert np.mean(fails) <= 0.10, np.mean(fails)


def test_zero_count_day_keeps_a_finite_z():
    """A day with no errors is k = 0 against the reference rate, not se = 0 (which disabled the SE)."""
    rng = np.random.default_rng(3)
    s = _fast_series(rng, 300, days=30)
    before = quality_drift(s, ref_days=7)
    before = before[before.metric == "error_rate"].set_index("day")
    err = s.metric == "error_rate"
    s.loc[err & (s.day == "2026-01-20"), ["value", "se"]] = 0.0
    d = quality_drift(s, ref_days=7)
    e = d[d.metric == "error_rate"].set_index("day")
    z0 = e.loc["2026-01-20", "z"]
    assert np.isfinite(z0) and -4 < z0 < -1.5  # 0 of 300 at a 3% rate: unusual, but not infinite
    assert np.isfinite(e["z"].iloc[7:]).all()
    assert not e["alarm"].any()  # a low day never raises an "up" alarm
    # the other days keep their binomial z (old code: one se = 0 switched the whole series to the
    # 7-day sd, changing every z)
    later = e.index > "2026-01-20"
    assert np.abs(e.loc[later, "z"] - before.loc[later, "z"]).max() < 0.3
