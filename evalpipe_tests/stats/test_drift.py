import numpy as np
import pandas as pd

from evalpipe.stats.drift import cusum, psi


def test_cusum_planted_slow_drift_noise_free_exact_day():
    # −0.1 sd per day from day 30: z_j = −0.1·j, S−_J = Σ_{j=6..J}(0.1·j − 0.5) = 4.5 at J = 14, 5.5 at J = 15
    days = pd.date_range("2026-01-01", periods=60, freq="D")
    x = np.full(60, 0.80)
    x[30:] -= 0.001 * np.arange(1, 31)
    out = cusum(pd.Series(x, index=days), ref_mean=0.80, ref_sd=0.01)
    alarms = np.flatnonzero(out["alarm"].to_numpy())
    assert alarms[0] == 30 + 15 - 1
    assert out.index[alarms[0]] == days[44]
    assert out["s_lo"].iloc[44] > 5 and out["s_hi"].max() == 0


def test_cusum_drift_delay_distribution():
    """Slope 0.1 sd/day: Σ_{j≤J}(0.1·j − 0.5) > 5 needs J ≈ 15 days; noise makes it earlier (median ≈ 12)."""
    rng = np.random.default_rng(5)
    delays, early = [], 0
    for _ in range(300):
        x = rng.normal(0, 1, 60)
        x[30:] -= 0.1 * np.arange(1, 31)
        a = np.flatnonzero(cusum(x, ref=20)["alarm"].to_numpy())
        early += bool(a.size and a[0] < 30)
        a = a[a >= 30]
        delays.append(a[0] - 30 if a.size else 99)
    delays = np.array(delays)
    assert 8 <= np.median(delays) <= 16
    assert np.mean(delays <= 20) >= 0.9
    assert early / 300 < 0.1


def test_cusum_stable_series():
    rng = np.random.default_rng(1)
    assert not cusum(rng.normal(0.8, 0.01, 60), ref_mean=0.8, ref_sd=0.01)["alarm"].any()
    # known baseline: ARL0 ≈ 465 days two-sided → P(any alarm in 60 days) ≈ 0.12
    rate = np.mean([cusum(rng.normal(0, 1, 60), ref_mean=0, ref_sd=1)["alarm"].any() for _ in range(400)])
    assert rate < 0.2
    # estimated from a 20-day window the sd is noisy and false alarms are more frequent: longer windows help
    r20 = np.mean([cusum(rng.normal(0, 1, 60), ref=20)["alarm"].any() for _ in range(400)])
    assert r20 < 0.4


def test_cusum_side_and_known_params():
    x = np.r_[np.zeros(10), np.full(5, 3.0)]
    up = cusum(x, ref_mean=0, ref_sd=1, side="up")
    assert np.flatnonzero(up["alarm"])[0] == 12  # S+ = 2.5, 5.0, 7.5: first > 5 on the 3rd shifted day
    down = cusum(x, ref_mean=0, ref_sd=1, side="down")
    assert not down["alarm"].any()


def test_psi_labels_and_hand_value():
    rng = np.random.default_rng(2)
    ref = rng.normal(0, 1, 20_000)
    assert psi(ref, rng.normal(0, 1, 20_000))["label"] == "stable"
    assert psi(ref, rng.normal(0.4, 1, 20_000))["label"] == "moderate"
    assert psi(ref, rng.normal(1.0, 1, 20_000))["label"] == "major"
    r = psi(np.array([0.1, 0.2, 0.6, 0.7]), np.array([0.1, 0.6, 0.7, 0.8]), bins=np.array([0, 0.5, 1.0]))
    p, q = np.array([0.5, 0.5]), np.array([0.25, 0.75])
    assert np.isclose(r["psi"], np.sum((q - p) * np.log(q / p)))
