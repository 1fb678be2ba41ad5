import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar

from evalpipe.stats.paired import (
    benjamini_hochberg,
    bootstrap_bca_mean,
    mcnemar_midp,
    mcnemar_midp_counts,
    mcnemar_midp_vec,
    paired_bootstrap_bca,
    paired_summary,
    welch_t,
    wilcoxon_pratt,
)


@pytest.mark.parametrize("b,c", [(12, 5), (3, 9), (0, 6), (7, 7), (40, 25)])
def test_mcnemar_midp_vs_statsmodels_exact(b, c):
    table = np.array([[50, b], [c, 30]])  # rows: A right/wrong; cols: B right/wrong
    exact = mcnemar(np.array([[50, b], [c, 30]]), exact=True).pvalue
    nd, m = b + c, min(b, c)
    hand = 2 * (stats.binom.cdf(m, nd, 0.5) - 0.5 * stats.binom.pmf(m, nd, 0.5))
    r = mcnemar_midp_counts(b, c, int(table.sum()))
    assert r.p_exact == pytest.approx(exact)
    if exact < 1:  # statsmodels clips its exact p at 1; the mid-p = exact − f(m) identity holds below
        assert r.p_mid == pytest.approx(exact - stats.binom.pmf(m, nd, 0.5))
    else:  # b = c: 2F(m) − f(m) = F(m) + F(m − 1) = 1 by symmetry
        assert r.p_mid == pytest.approx(1.0)
    assert r.p_mid == pytest.approx(min(1.0, hand))
    assert r.p_mid <= r.p_exact
    assert r.delta == pytest.approx((c - b) / table.sum())
    assert mcnemar_midp_vec(np.array([b]), np.array([c]))[0] == pytest.approx(r.p_mid)


def test_mcnemar_from_arrays_and_no_discordance():
    a = np.array([1, 1, 1, 0, 0, 1, np.nan])
    b = np.array([1, 0, 0, 0, 1, 1, 1])
    r = mcnemar_midp(a, b)
    assert (r.b, r.c, r.n) == (2, 1, 6)
    assert r.odds_ratio == 0.5
    r0 = mcnemar_midp(np.ones(5), np.ones(5))
    assert r0.p_mid == 1.0 and np.isnan(r0.odds_ratio) and r0.se == 0


def test_paired_summary_and_clustered():
    a = np.array([0.1, 0.4, 0.5, 0.9, 0.3, 0.2])
    b = a + np.array([0.1, 0.0, 0.2, -0.1, 0.3, 0.1])
    s = paired_summary(a, b)
    d = b - a
    assert s.diff == pytest.approx(d.mean())
    assert s.se == pytest.approx(d.std(ddof=1) / np.sqrt(6))
    assert s.corr_ab == pytest.approx(np.corrcoef(a, b)[0, 1])
    sc = paired_summary(a, b, clusters=[0, 0, 1, 1, 2, 2])
    r = d - d.mean()
    sums = np.array([r[0] + r[1], r[2] + r[3], r[4] + r[5]])
    assert sc.se == pytest.approx(np.sqrt((sums**2).sum() / 36 * 1.5))
    assert sc.n_clusters == 3


def _scipy_bca(a, b, n, seed):
    return stats.bootstrap(
        (a, b),
        lambda x, y, axis=-1: y.mean(axis) - x.mean(axis),
        paired=True,
        method="BCa",
        n_resamples=n,
        random_state=seed,
    ).confidence_interval


@pytest.mark.parametrize("seed", [0, 1])
def test_bca_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    a = rng.beta(2, 5, 150)
    b = np.clip(a + rng.gamma(1.0, 0.05, 150) - 0.04, 0, 1)  # skewed differences
    ours = paired_bootstrap_bca(a, b, n_resamples=20_000, seed=seed)
    ref = _scipy_bca(a, b, 20_000, seed + 100)
    width = ref.high - ref.low
    # Monte-Carlo tolerance: 3% of the interval width at B = 20,000
    assert ours.ci_low == pytest.approx(ref.low, abs=0.03 * width)
    assert ours.ci_high == pytest.approx(ref.high, abs=0.03 * width)
    assert ours.estimate == pytest.approx((b - a).mean())


def test_bca_vectorised_columns_equal_single_calls_and_p_duality():
    rng = np.random.default_rng(5)
    d = rng.normal(0.1, 1.0, size=(120, 3))
    multi = bootstrap_bca_mean(d, n_resamples=5000, seed=7)
    single = bootstrap_bca_mean(d[:, 1], n_resamples=5000, seed=7)
    # same resampling counts for all columns → identical to a single call with the same seed
    assert multi.ci_low[1] == pytest.approx(single.ci_low)
    assert multi.p_value[1] == pytest.approx(single.p_value)
    # the p-value is the level at which the BCa interval touches 0
    p = single.p_value
    assert 0.001 < p < 0.9
    edge = bootstrap_bca_mean(d[:, 1], n_resamples=5000, seed=7, confidence=1 - p)
    assert min(abs(edge.ci_low), abs(edge.ci_high)) < 0.01


def test_cluster_bootstrap_equals_scipy_on_cluster_means_for_equal_sizes():
    # With equal cluster sizes, the item mean of resampled clusters = mean of cluster means.
    rng = np.random.default_rng(3)
    n_cl, m = 60, 4
    eff = rng.normal(0.2, 1.0, n_cl)
    d = np.repeat(eff, m) + rng.normal(0, 0.3, n_cl * m)
    cl = np.repeat(np.arange(n_cl), m)
    ours = bootstrap_bca_mean(d, clusters=cl, n_resamples=20_000, seed=1)
    cm = d.reshape(n_cl, m).mean(1)
    ref = stats.bootstrap(
        (cm,), np.mean, method="BCa", n_resamples=20_000, random_state=2
    ).confidence_interval
    w = ref.high - ref.low
    assert ours.ci_low == pytest.approx(ref.low, abs=0.03 * w)
    assert ours.ci_high == pytest.approx(ref.high, abs=0.03 * w)
    assert ours.n_clusters == n_cl
    naive = bootstrap_bca_mean(d, n_resamples=5000, seed=1)
    assert (naive.ci_high - naive.ci_low) < 0.7 * w  # ignoring clusters understates uncertainty


def test_bootstrap_degenerate_and_tiny():
    r = bootstrap_bca_mean(np.zeros(10), n_resamples=500)
    assert r.p_value == 1.0 and r.ci_low == r.ci_high == 0.0
    r = bootstrap_bca_mean(np.full(10, 0.5), n_resamples=500)
    assert r.ci_low == r.ci_high == 0.5 and r.p_value == pytest.approx(2 * 0.5**10)
    r = bootstrap_bca_mean(np.array([0.3]), n_resamples=500)
    assert np.isnan(r.p_value)
    r = bootstrap_bca_mean(np.array([[0.3, np.nan], [0.1, np.nan], [0.2, 1.0]]), n_resamples=500)
    assert np.isnan(r.p_value[1]) and np.isfinite(r.ci_low[0])


def test_wilcoxon_pratt_matches_scipy_and_rank_biserial():
    rng = np.random.default_rng(2)
    a = rng.integers(1, 6, 80).astype(float)
    b = np.clip(a + rng.choice([-1, 0, 0, 1, 1], 80), 1, 5)
    r = wilcoxon_pratt(a, b)
    ref = stats.wilcoxon(b - a, zero_method="pratt", method="approx")
    assert r.p_value == pytest.approx(ref.pvalue)
    d = b - a
    ranks = stats.rankdata(np.abs(d))
    rp, rm = ranks[d > 0].sum(), ranks[d < 0].sum()
    assert r.rank_biserial == pytest.approx((rp - rm) / (rp + rm))
    assert r.mean_diff == pytest.approx(d.mean())
    z = wilcoxon_pratt(np.ones(5), np.ones(5))
    assert z.p_value == 1.0 and z.rank_biserial == 0.0


def test_welch_and_effect_sizes():
    rng = np.random.default_rng(4)
    a, b = rng.normal(0, 1, 40), rng.normal(0.5, 2, 60)
    r = welch_t(a, b)
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert r.p_value == pytest.approx(ref.pvalue) and r.t == pytest.approx(ref.statistic)
    ci = ref.confidence_interval()
    assert (r.ci_low, r.ci_high) == pytest.approx((ci.low, ci.high))
    sp = np.sqrt((39 * a.var(ddof=1) + 59 * b.var(ddof=1)) / 98)
    assert r.cohen_d == pytest.approx((b.mean() - a.mean()) / sp)
    assert r.hedges_g == pytest.approx(r.cohen_d * (1 - 3 / (4 * 100 - 9)))


def test_bh_matches_scipy_with_nans():
    p = np.array([0.001, 0.04, np.nan, 0.03, 0.5, 0.011])
    out = benjamini_hochberg(p)
    ok = ~np.isnan(p)
    assert np.allclose(out[ok], stats.false_discovery_control(p[ok]))
    assert np.isnan(out[2])


def test_coverage_of_paired_intervals_simulation():
    """95% paired intervals cover the true difference 93–97% of the time (1,000 datasets each)."""
    rng = np.random.default_rng(11)
    n_sim, n = 1000, 200
    cov_boot = 0
    for i in range(n_sim):
        a = rng.beta(2, 5, n)
        b = rng.beta(2, 5, n) * 0.5 + a * 0.5 + 0.05  # correlated with a; E[b − a] = 0.05 exactly
        r = bootstrap_bca_mean(b - a, n_resamples=1000, seed=i)
        cov_boot += r.ci_low <= 0.05 <= r.ci_high
    assert 0.93 <= cov_boot / n_sim <= 0.97
    # binary: paired Wald interval (Δ ± 1.96·sqrt(ψ − Δ²)/√n), n = 500, ψ = 0.2, Δ = 0.04
    pb, pc = 0.08, 0.12
    cov_w = 0
    for _ in range(2000):
        u = rng.random(500)
        b_ = int((u < pb).sum())
        c_ = int(((u >= pb) & (u < pb + pc)).sum())
        r = mcnemar_midp_counts(b_, c_, 500)
        cov_w += r.ci_low <= pc - pb <= r.ci_high
    assert 0.93 <= cov_w / 2000 <= 0.97
