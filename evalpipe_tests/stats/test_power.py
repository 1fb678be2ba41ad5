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
