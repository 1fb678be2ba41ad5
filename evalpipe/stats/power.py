"""Power arithmetic: minimum detectable effect and required sample size (two-sided α, power)."""

from __future__ import annotations

import numpy as np
from scipy import stats


def _k(alpha: float = 0.05, power: float = 0.80) -> float:
    """z_{1−α/2} + z_{power}; 2.80 for the defaults."""
    return float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))


def mde(se_pair: float | np.ndarray, alpha: float = 0.05, power: float = 0.80) -> float | np.ndarray:
    """MDE = (z_.975 + z_.80)·SE_pair ≈ 2.80·SE_pair: the true effect detected with 80% power.

    A report that says "no significant change" must also say this number: with an MDE of 12
    points, not finding a 3-point change is not evidence of no change.
    """
    if np.ndim(se_pair):
        return _k(alpha, power) * np.asarray(se_pair, dtype=float)
    return _k(alpha, power) * float(se_pair)


def binary_paired_sd(psi: float, delta: float) -> float:
    """sd of the paired difference of 0/1 outcomes: sqrt(ψ − Δ²), ψ the discordance rate."""
    return float(np.sqrt(max(psi - delta**2, 0.0)))


def design_effect(
    mean_cluster_size: float | None = None,
    icc: float = 0.0,
    cv: float = 0.0,
    cluster_sizes: np.ndarray | list | None = None,
) -> float:
    """Design effect of clustered items, unequal cluster sizes included: 1 + ((CV² + 1)·m̄ − 1)·ICC.

    m̄ the mean cluster size, CV its coefficient of variation (population sd / mean) — or give the
    `cluster_sizes` themselves.  Why not 1 + (m̄ − 1)·ICC: the variance of an item mean grows with
    Σ m_c²/n = m̄(1 + CV²), so a few big clusters among many singletons cost far more than their
    mean size says (paraphrase clusters of 6 plus singletons: m̄ = 1.7, Σm²/n = 3.5).  Exact for
    the mean of equally weighted items under an exchangeable within-cluster correlation
    (Eldridge, Ashby & Kerry 2006); CV = 0 gives Kish's equal-size formula.
    """
    if cluster_sizes is not None:
        m = np.asarray(cluster_sizes, dtype=float)
        mean_cluster_size, cv = float(m.mean()), float(m.std() / m.mean())
    if mean_cluster_size is None:
        raise ValueError("give mean_cluster_size (and cv) or cluster_sizes")
    return 1.0 + ((float(cv) ** 2 + 1.0) * float(mean_cluster_size) - 1.0) * float(icc)


def required_n(
    delta: float,
    psi: float | None = None,
    sd_diff: float | None = None,
    mean_cluster_size: float = 1.0,
    icc: float = 0.0,
    alpha: float = 0.05,
    power: float = 0.80,
    cluster_size_cv: float = 0.0,
) -> int:
    """Paired items needed to detect effect δ: n = 7.85·sd(d)²/δ² × design effect.

    Binary (give ψ, the expected discordance rate): sd(d)² = ψ − δ², so n = 7.85·(ψ − δ²)/δ².
    Continuous: give sd_diff.  E.g. δ = 0.02 at ψ = 0.10 gives ≈ 1,955 items.  Clustered items:
    × `design_effect(mean_cluster_size, icc, cluster_size_cv)` (unequal sizes through the CV).
    """
    if (psi is None) == (sd_diff is None):
        raise ValueError("give exactly one of psi (binary) or sd_diff (continuous)")
    var = (psi - delta**2) if psi is not None else sd_diff**2
    n = _k(alpha, power) ** 2 * var / delta**2 * design_effect(mean_cluster_size, icc, cluster_size_cv)
    return int(np.ceil(n))
