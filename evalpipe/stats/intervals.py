"""Means with honest intervals: CLT, Wilson (binary), clustered SE, stratified design weights."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

Z975 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class MeanCI:
    """A mean with its SE and interval; `n_clusters == n` when there is no clustering."""

    mean: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    n_clusters: int
    method: str

    def as_dict(self) -> dict:
        return asdict(self)


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def _clean(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float).ravel()
    return x[np.isfinite(x)]


def clustered_se_from_arrays(x: np.ndarray, clusters: np.ndarray) -> tuple[float, float, int, int]:
    """Return (mean, SE_cl, n, C) with SE_cl² = (1/n²)·Σ_c(Σ_{i∈c}(x_i − x̄))²·C/(C−1).

    Items that share a context/template/session are not independent: the naive sd/√n is too
    small.  This is the CR1-style sandwich estimator.  C < 2 gives SE = NaN.
    """
    x = np.asarray(x, dtype=float).ravel()
    clusters = np.asarray(clusters).ravel()
    ok = np.isfinite(x)
    x, clusters = x[ok], clusters[ok]
    n = x.size
    if n == 0:
        return float("nan"), float("nan"), 0, 0
    _, inv = np.unique(clusters, return_inverse=True)
    c = int(inv.max()) + 1
    mean = float(x.mean())
    if c < 2:
        return mean, float("nan"), n, c
    sums = np.bincount(inv, weights=x - mean, minlength=c)
    var = float(np.sum(sums**2)) / n**2 * c / (c - 1)
    return mean, float(np.sqrt(var)), n, c


def mean_ci(x: np.ndarray, confidence: float = 0.95, clusters: np.ndarray | None = None) -> MeanCI:
    """Mean with the CLT SE (sd/√n, ddof=1), or the clustered SE when `clusters` is given."""
    z = _z(confidence)
    if clusters is not None:
        m, se, n, c = clustered_se_from_arrays(x, clusters)
        return MeanCI(m, se, m - z * se, m + z * se, n, c, "clustered")
    x = _clean(x)
    n = x.size
    if n == 0:
        return MeanCI(float("nan"), float("nan"), float("nan"), float("nan"), 0, 0, "clt")
    m = float(x.mean())
    se = float(x.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    return MeanCI(m, se, m - z * se, m + z * se, n, n, "clt")


def clustered_mean_se(x: np.ndarray, clusters: np.ndarray, confidence: float = 0.95) -> MeanCI:
    """Alias of `mean_ci(x, clusters=...)`, named for discoverability."""
    return mean_ci(x, confidence=confidence, clusters=clusters)


def wilson_ci(k: int | np.ndarray, n: int | None = None, confidence: float = 0.95) -> MeanCI:
    """Proportion with the Wilson interval (scipy `binomtest(k, n).proportion_ci('wilson')`).

    Pass either counts (k, n) or a 0/1 array as `k` with n=None.  The normal interval
    undercovers for small n or p near 0/1; Wilson does not collapse to a point at 0 or n.
    """
    if n is None:
        arr = _clean(np.asarray(k))
        n = int(arr.size)
        k = int(np.round(arr.sum()))
    k, n = int(k), int(n)
    if n == 0:
        return MeanCI(float("nan"), float("nan"), 0.0, 1.0, 0, 0, "wilson")
    p = k / n
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    se = float(np.sqrt(p * (1 - p) / n))
    return MeanCI(p, se, float(ci.low), float(ci.high), n, n, "wilson")


def stratified_weighted_mean(
    x: np.ndarray,
    strata: np.ndarray,
    population_sizes: dict | None = None,
    weights: np.ndarray | None = None,
    confidence: float = 0.95,
) -> MeanCI:
    """Design-weighted (production) mean of a stratified sample, with weights w = N_h/n_h.

    Estimate: ȳ_w = Σ_h W_h ȳ_h with W_h = N_h/N.  SE from the stratified-sampling variance
    Σ_h W_h² (1 − n_h/N_h) s_h²/n_h (finite-population corrected).  Give either
    `population_sizes` {stratum: N_h} or per-item `weights` (N_h/n_h, from which N_h = Σ w).
    A stratum with n_h = 1 has no s_h of its own; it gets a conservative stand-in rather than 0,
    which made a heavily weighted singleton look certain: 0.25 for binary x (the largest
    Bernoulli variance), else the larger of the pooled within-stratum and the collapsed-strata
    variance; flagged in `method`.  Binary x: the interval is
    Wilson's at Kish's effective n = p(1 − p)/SE², so it stays inside [0, 1].  Slice comparisons
    should use unweighted per-slice values instead.
    """
    x = np.asarray(x, dtype=float).ravel()
    strata = np.asarray(strata).ravel()
    ok = np.isfinite(x)
    if weights is not None:
        weights = np.asarray(weights, dtype=float).ravel()[ok]
    x, strata = x[ok], strata[ok]
    labels, inv = np.unique(strata, return_inverse=True)
    h = labels.size
    n_h = np.bincount(inv, minlength=h).astype(float)
    if population_sizes is not None:
        big_n = np.array([float(population_sizes[lab]) for lab in labels])
    elif weights is not None:
        big_n = np.bincount(inv, weights=weights, minlength=h)
    else:
        raise ValueError("give population_sizes or weights")
    sums = np.bincount(inv, weights=x, minlength=h)
    ybar = sums / n_h
    ss = np.bincount(inv, weights=(x - ybar[inv]) ** 2, minlength=h)
    multi = n_h > 1
    binary = bool(x.size) and bool(np.all((x == 0) | (x == 1)))
    pooled = float(ss[multi].sum() / (n_h[multi] - 1).sum()) if multi.any() else 0.0
    collapsed = float(np.var(x, ddof=1)) if x.size > 1 else 0.0
    # Conservative for a singleton: a binary item's largest variance, else the larger of the
    # pooled within-stratum and the collapsed (all strata as one) variance.
    single = 0.25 if binary else max(pooled, collapsed)
    s2 = np.where(multi, ss / np.maximum(n_h - 1, 1), single)
    w = big_n / big_n.sum()
    mean = float(np.sum(w * ybar))
    fpc = np.clip(1 - n_h / big_n, 0.0, 1.0)
    se = float(np.sqrt(np.sum(w**2 * fpc * s2 / n_h)))
    z = _z(confidence)
    method = "stratified" + ("(singleton strata: conservative variance)" if np.any(n_h < 2) else "")
    lo, hi = mean - z * se, mean + z * se
    if binary:
        n_eff = mean * (1 - mean) / se**2 if se > 0 and 0 < mean < 1 else float(x.size)
        c = 1 + z**2 / n_eff
        centre = (mean + z**2 / (2 * n_eff)) / c
        half = z / c * np.sqrt(mean * (1 - mean) / n_eff + z**2 / (4 * n_eff**2))
        lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    return MeanCI(mean, se, float(lo), float(hi), int(x.size), int(h), method)
