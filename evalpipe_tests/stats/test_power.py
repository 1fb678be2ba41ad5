import pytest

from evalpipe.stats.power import binary_paired_sd, design_effect, mde, required_n


def test_constants():
    assert mde(1.0) == pytest.approx(2.80, abs=0.005)
    assert mde(1.0) ** 2 == pytest.approx(7.85, abs=0.01)


def test_binary_paired_sd_and_required_n_spec_example():
    assert binary_paired_sd(0.10, 0.02) == pytest.approx((0.10 - 0.0004) ** 0.5)
    # STATISTICS.md: a 2-point change at 10% discordance needs ~2,000 paired items
    n = required_n(0.02, psi=0.10)
    assert 1900 <= n <= 2000
    assert n == pytest.approx(7.849 * (0.10 - 0.0004) / 0.0004, rel=1e-3)


def test_design_effect_inflates():
    assert design_effect(5, 0.1) == pytest.approx(1.4)
    assert required_n(0.02, psi=0.10, mean_cluster_size=5, icc=0.1) == pytest.approx(
        required_n(0.02, psi=0.10) * 1.4, rel=1e-3
    )
    assert required_n(0.1, sd_diff=0.5) == pytest.approx(7.849 * 25, abs=1)
    with pytest.raises(ValueError):
        required_n(0.1)


def test_design_effect_unequal_clusters_matches_simulation():
    """Issue 17 item 10: paraphrase clusters of 6 plus singletons at ICC 0.5; the mean-size formula
    (1.36) understates the variance of an item mean (2.25, simulated), the unequal-size one does not."""
    import numpy as np

    sizes = np.r_[np.full(25, 6), np.ones(150, int)]  # 300 items, m̄ = 1.71, Σm²/n = 3.5
    icc = 0.5
    rng = np.random.default_rng(0)
    cl = np.repeat(np.arange(sizes.size), sizes)
    means = []
    for _ in range(4000):
        y = np.sqrt(icc) * rng.normal(size=sizes.size)[cl] + np.sqrt(1 - icc) * rng.normal(size=cl.size)
        means.append(y.mean())
    empirical = np.var(means) * cl.size
    assert design_effect(cluster_sizes=sizes, icc=icc) == pytest.approx(1 + 2.5 * icc)
    assert design_effect(cluster_sizes=sizes, icc=icc) == pytest.approx(empirical, rel=0.08)
    assert design_effect(sizes.mean(), icc) < 0.7 * empirical  # the old formula is far off
    cv = sizes.std() / sizes.mean()
    assert design_effect(sizes.mean(), icc, cv=cv) == pytest.approx(
        design_effect(cluster_sizes=sizes, icc=icc)
    )
    assert required_n(
        0.02, psi=0.1, mean_cluster_size=sizes.mean(), icc=icc, cluster_size_cv=cv
    ) > 1.4 * required_n(0.02, psi=0.1, mean_cluster_size=sizes.mean(), icc=icc)
