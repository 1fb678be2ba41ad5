import numpy as np
import pytest
from scipy import stats

from evalpipe.stats.intervals import clustered_mean_se, mean_ci, stratified_weighted_mean, wilson_ci


def test_mean_ci_clt():
    x = np.array([1.0, 2.0, 3.0, 4.0, np.nan])
    r = mean_ci(x)
    assert r.n == 4 and r.mean == 2.5
    assert r.se == pytest.approx(np.std([1, 2, 3, 4], ddof=1) / 2)
    assert r.ci_low == pytest.approx(2.5 - 1.959964 * r.se, rel=1e-6)


def test_clustered_se_hand_computed():
    # x̄ = 3.5; residual sums per cluster: -4, 0, +4 → Σ² = 32; (1/36)·32·3/2 = 4/3.
    x = np.array([1, 2, 3, 4, 5, 6], dtype=float)
    cl = np.array(["a", "a", "b", "b", "c", "c"])
    r = clustered_mean_se(x, cl)
    assert r.mean == 3.5
    assert r.se == pytest.approx(np.sqrt(4 / 3))
    assert (r.n, r.n_clusters) == (6, 3)
    # singleton clusters reduce to sd/√n · sqrt(n/(n−1))·sqrt((n−1)/n) = the CLT SE
    r1 = clustered_mean_se(x, np.arange(6))
    assert r1.se == pytest.approx(np.std(x, ddof=1) / np.sqrt(6))


def test_clustered_se_one_cluster_is_nan():
    r = clustered_mean_se(np.array([1.0, 2.0]), np.array([0, 0]))
    assert np.isnan(r.se) and r.n_clusters == 1


def test_wilson_matches_scipy_and_array_form():
    r = wilson_ci(3, 20)
    ref = stats.binomtest(3, 20).proportion_ci(method="wilson")
    assert (r.ci_low, r.ci_high) == pytest.approx((ref.low, ref.high))
    r0 = wilson_ci(np.zeros(10))
    assert r0.mean == 0 and r0.ci_low == pytest.approx(0, abs=1e-12) and r0.ci_high > 0.2


def test_stratified_weighted_mean_hand():
    # stratum a: N=900, sample [1, 0, 1, 1]; stratum b: N=100, sample [0, 0, 1]
    x = np.array([1, 0, 1, 1, 0, 0, 1], dtype=float)
    s = np.array(list("aaaabbb"))
    r = stratified_weighted_mean(x, s, population_sizes={"a": 900, "b": 100})
    assert r.mean == pytest.approx(0.9 * 0.75 + 0.1 * (1 / 3))
    var = (
        0.81 * (1 - 4 / 900) * np.var([1, 0, 1, 1], ddof=1) / 4
        + 0.01 * (1 - 3 / 100) * np.var([0, 0, 1], ddof=1) / 3
    )
    assert r.se == pytest.approx(np.sqrt(var))
    # same thing from per-item weights N_h/n_h
    w = np.where(s == "a", 900 / 4, 100 / 3)
    r2 = stratified_weighted_mean(x, s, weights=w)
    assert r2.mean == pytest.approx(r.mean) and r2.se == pytest.approx(r.se)
    # the unweighted mean is different: weights matter for production estimates
    assert abs(x.mean() - r.mean) > 0.05


def test_stratified_singleton_stratum_is_not_certain():
    """Issue 17 item 10: a stratum with one sampled item but most of the population contributed
    zero variance; it now gets a conservative one (binary: 0.25; else max(pooled, collapsed))."""
    x = np.r_[np.tile([0.0, 1.0], 10), 1.0]
    s = np.r_[np.full(20, "a"), ["b"]]
    r = stratified_weighted_mean(x, s, population_sizes={"a": 100, "b": 10_000})
    w_a, w_b = 100 / 10_100, 10_000 / 10_100
    var = w_a**2 * (1 - 20 / 100) * np.var(x[:20], ddof=1) / 20 + w_b**2 * (1 - 1 / 10_000) * 0.25 / 1
    assert r.se == pytest.approx(np.sqrt(var))
    assert r.se > 0.3 and "singleton" in r.method


def test_stratified_proportion_ci_stays_in_unit_interval():
    rng = np.random.default_rng(0)
    s = np.repeat(list("abcd"), [40, 3, 3, 30])
    x = np.zeros(s.size)
    x[0] = 1.0  # one success: p ≈ 0.01, the normal interval goes below 0
    r = stratified_weighted_mean(x, s, weights=rng.uniform(1, 100, s.size))
    assert 0.0 <= r.ci_low < r.mean < r.ci_high <= 1.0
    allone = stratified_weighted_mean(np.ones(10), np.repeat(list("ab"), 5), weights=np.ones(10))
    assert allone.ci_low < 1.0 and allone.ci_high == pytest.approx(1.0)


def test_stratified_singleton_continuous_uses_the_larger_variance():
    x = np.r_[np.zeros(10), np.ones(10) * 10, 5.0]
    s = np.r_[np.full(10, "a"), np.full(10, "b"), ["c"]]
    r = stratified_weighted_mean(x, s, population_sizes={"a": 50, "b": 50, "c": 900})
    wc = 900 / 1000
    assert r.se >= wc * np.sqrt((1 - 1 / 900) * np.var(x, ddof=1))  # collapsed variance > pooled (0)
