import numpy as np
import pandas as pd
import pytest

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


def test_self_starting_cusum_keeps_the_nominal_false_alarm_rate():
    """53 stable days, 7 of burn-in: a 7-day reference window (old) alarms far more often than the
    ARL0 promises; the self-starting z keeps it (two-sided ARL0 ≈ 465 → ≈ 10% over 46 days)."""
    from evalpipe.stats.drift import self_starting_cusum

    rng = np.random.default_rng(11)
    xs = rng.normal(0, 1, (300, 53))
    old = np.mean([cusum(x, ref=7)["alarm"].any() for x in xs])
    new = np.mean([self_starting_cusum(x, burn_in=7, reset=True)["alarm"].any() for x in xs])
    assert old > 0.25 and new < 0.15, (old, new)


def test_self_starting_binomial_detects_a_step_and_not_noise():
    from evalpipe.stats.drift import self_starting_cusum

    rng = np.random.default_rng(12)
    n = np.full(60, 300)
    k = rng.binomial(n, np.r_[np.full(40, 0.03), np.full(20, 0.06)])
    c = self_starting_cusum(counts=k, n=n, side="up", burn_in=7)
    first = int(np.flatnonzero(c["alarm"])[0])
    assert 40 <= first <= 45 and c["alarm"].iloc[-1]
    quiet = [
        self_starting_cusum(counts=rng.binomial(n, 0.03), n=n, side="up")["alarm"].iloc[-1]
        for _ in range(100)
    ]
    assert np.mean(quiet) < 0.05


def test_cusum_rejects_zero_se():
    with pytest.raises(ValueError, match="se must be > 0"):
        cusum(np.r_[np.zeros(10), 0.1, 0.2], ref_mean=0.0, se=np.r_[np.full(11, 0.01), 0.0])


def test_psi_small_sample_null_and_min_n():
    """Issue 17 item 9: a stable day of n = 50 was non-stable 88% of the time (no small-n correction)."""
    rng = np.random.default_rng(13)
    ref = rng.normal(0, 1, 2_000)
    labels = [psi(ref, rng.normal(0, 1, 50), seed=i)["label"] for i in range(200)]
    assert 0.9 <= np.mean(np.array(labels) == "stable") <= 0.99
    assert psi(ref, rng.normal(0, 1, 10))["label"] == "insufficient"
    shifted = [psi(ref, rng.normal(1.5, 1, 50), seed=i)["label"] for i in range(20)]
    assert np.mean(np.array(shifted) == "major") >= 0.9
