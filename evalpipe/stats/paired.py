"""Paired two-system comparisons: summary, McNemar mid-p, vectorised BCa bootstrap, Wilcoxon-Pratt,
Welch t for unpaired windows, and Benjamini-Hochberg.

The BCa bootstrap is written by hand so that many (metric x slice) comparisons share one
resampling matrix: a resample is a vector of counts per cluster (items are clusters of size 1),
and every metric's resampled mean is a ratio of two matrix products, counts @ sums / counts @ n.
That is the same estimator as `scipy.stats.bootstrap(paired=True, method="BCa")` on the mean
difference (same jackknife acceleration, same mid-rank bias correction, same linear percentile),
but costs one matmul for all metrics instead of one call per metric.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np
from scipy import special, stats

from evalpipe.stats.intervals import clustered_se_from_arrays


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


# --------------------------------------------------------------------------------------------
# Paired summary
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PairedSummary:
    n: int
    n_clusters: int
    mean_a: float
    mean_b: float
    diff: float
    sd_diff: float
    se: float
    ci_low: float
    ci_high: float
    corr_ab: float
    clustered: bool

    def as_dict(self) -> dict:
        return asdict(self)


def paired_summary(
    a: np.ndarray, b: np.ndarray, clusters: np.ndarray | None = None, confidence: float = 0.95
) -> PairedSummary:
    """d̄ = mean(b − a), SE_pair = sd(d)/√n (clustered SE when cluster ids are given), normal CI.

    Pairs with a missing side are dropped.  corr(A, B) is reported because the gain of pairing
    over an unpaired test is exactly that correlation.
    """
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    d = b - a
    n = int(d.size)
    nan = float("nan")
    if n == 0:
        return PairedSummary(0, 0, nan, nan, nan, nan, nan, nan, nan, nan, clusters is not None)
    sd = float(d.std(ddof=1)) if n > 1 else nan
    if clusters is not None:
        cl = np.asarray(clusters).ravel()[ok]
        _, se, _, n_cl = clustered_se_from_arrays(d, cl)
    else:
        se, n_cl = (sd / np.sqrt(n) if n > 1 else nan), n
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = float(np.corrcoef(a, b)[0, 1]) if n > 1 and a.std() > 0 and b.std() > 0 else nan
    z = _z(confidence)
    dbar = float(d.mean())
    return PairedSummary(
        n,
        int(n_cl),
        float(a.mean()),
        float(b.mean()),
        dbar,
        sd,
        float(se),
        dbar - z * se,
        dbar + z * se,
        corr,
        clusters is not None,
    )


# --------------------------------------------------------------------------------------------
# McNemar mid-p
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class McNemarResult:
    b: int  # A right, B wrong
    c: int  # A wrong, B right
    n: int
    delta: float  # (c − b)/n: accuracy change of B over A
    odds_ratio: float  # c/b (inf when b = 0 < c, nan when b = c = 0)
    p_mid: float
    p_exact: float
    se: float  # sqrt(ψ − Δ²)/√n, the paired Wald SE
    ci_low: float
    ci_high: float

    def as_dict(self) -> dict:
        return asdict(self)


def mcnemar_midp_counts(b: int, c: int, n: int, confidence: float = 0.95) -> McNemarResult:
    """McNemar mid-p from discordant counts: p_mid = 2·[F(m) − ½·f(m)], m = min(b, c).

    F/f are the Binomial(b+c, ½) cdf/pmf.  The mid-p is less conservative than the exact
    p (2·F(m)) while keeping the type-I error close to nominal.  b + c = 0 gives p = 1 (no
    discordant pair carries no evidence).  The CI is the paired Wald interval
    Δ ± z·sqrt(ψ − Δ²)/√n with ψ = (b + c)/n.
    """
    b, c, n = int(b), int(c), int(n)
    nd = b + c
    m = min(b, c)
    p_exact = min(1.0, 2.0 * float(stats.binom.cdf(m, nd, 0.5)))
    p_mid = min(1.0, 2.0 * float(stats.binom.cdf(m, nd, 0.5)) - float(stats.binom.pmf(m, nd, 0.5)))
    nan = float("nan")
    if n == 0:
        return McNemarResult(b, c, 0, nan, nan, 1.0, 1.0, nan, nan, nan)
    delta = (c - b) / n
    psi = nd / n
    se = float(np.sqrt(max(psi - delta**2, 0.0) / n))
    odds = (c / b) if b > 0 else (float("inf") if c > 0 else nan)
    z = _z(confidence)
    return McNemarResult(b, c, n, delta, odds, p_mid, p_exact, se, delta - z * se, delta + z * se)


def mcnemar_midp(a: np.ndarray, b: np.ndarray, confidence: float = 0.95) -> McNemarResult:
    """McNemar mid-p on paired 0/1 outcomes (values ≥ 0.5 count as pass; NaN pairs dropped)."""
    a = np.asarray(a, dtype=float).ravel()
    bb = np.asarray(b, dtype=float).ravel()
    ok = np.isfinite(a) & np.isfinite(bb)
    ar, br = a[ok] >= 0.5, bb[ok] >= 0.5
    return mcnemar_midp_counts(int(np.sum(ar & ~br)), int(np.sum(~ar & br)), int(ok.sum()), confidence)


def mcnemar_midp_vec(b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Vectorised mid-p over arrays of discordant counts (used by compare)."""
    b = np.asarray(b, dtype=float)
    c = np.asarray(c, dtype=float)
    nd = b + c
    m = np.minimum(b, c)
    p = 2.0 * stats.binom.cdf(m, nd, 0.5) - stats.binom.pmf(m, nd, 0.5)
    return np.clip(np.where(nd > 0, p, 1.0), 0.0, 1.0)


# --------------------------------------------------------------------------------------------
# Vectorised BCa bootstrap of a (ratio) mean, items or clusters
# --------------------------------------------------------------------------------------------
@dataclass
class BootstrapResult:
    """Arrays of shape (M,) (scalars when a 1-D input was given)."""

    estimate: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_value: np.ndarray
    se_boot: np.ndarray
    z0: np.ndarray
    accel: np.ndarray
    n: np.ndarray
    n_clusters: int
    n_resamples: int

    def as_dict(self) -> dict:
        return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in asdict(self).items()}


def _cluster_sums(d: np.ndarray, clusters: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    present = np.isfinite(d)
    vals = np.where(present, d, 0.0)
    cnt = present.astype(float)
    if clusters is None:
        return vals, cnt
    _, inv = np.unique(np.asarray(clusters).ravel(), return_inverse=True)
    order = np.argsort(inv, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(inv[order]) != 0])
    return np.add.reduceat(vals[order], starts, axis=0), np.add.reduceat(cnt[order], starts, axis=0)


def bootstrap_counts(rng: np.random.Generator, n_units: int, size: int) -> np.ndarray:
    """`size` multinomial resamples of `n_units` units as a (size, n_units) count matrix."""
    small = np.uint16 if n_units <= np.iinfo(np.uint16).max else np.int64  # 16-bit draws are ~4x faster
    idx = rng.integers(0, n_units, size=(size, n_units), dtype=small).astype(np.intp)
    idx += (np.arange(size, dtype=np.intp) * n_units)[:, None]
    return np.bincount(idx.ravel(), minlength=size * n_units).reshape(size, n_units)


def _percentile_cols(sorted_t: np.ndarray, q: np.ndarray) -> np.ndarray:
    """np.percentile(method='linear') of each column of a sorted (B, M) array at per-column q∈[0,1]."""
    bn = sorted_t.shape[0]
    q = np.clip(np.nan_to_num(q, nan=0.5), 0.0, 1.0)
    pos = q * (bn - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, bn - 1)
    frac = pos - lo
    cols = np.arange(sorted_t.shape[1])
    return sorted_t[lo, cols] + frac * (sorted_t[hi, cols] - sorted_t[lo, cols])


def _bca_from_thetas(thetas, theta, s_c, m_c, tot_s, tot_m, confidence):
    """BCa endpoints, BCa-consistent p-value, bootstrap SE from resampled statistics (B, M)."""
    n_units = s_c.shape[0]
    n_cols = s_c.shape[1]
    # Jackknife (leave one unit out), analytic for a ratio of sums.
    with np.errstate(invalid="ignore", divide="ignore"):
        jk = (tot_s - s_c) / (tot_m - m_c)
    jk[m_c == 0] = np.nan
    with warnings.catch_warnings():  # all-missing columns: NaN is the intended answer
        warnings.simplefilter("ignore", RuntimeWarning)
        jk_mean = np.nanmean(jk, axis=0) if n_units > 0 else np.full(n_cols, np.nan)
    u = jk_mean - jk
    num = np.nansum(u**3, axis=0)
    den = 6.0 * np.nansum(u**2, axis=0) ** 1.5
    with np.errstate(invalid="ignore", divide="ignore"):
        accel = np.where(den > 0, num / den, 0.0)
    has_nan = np.isnan(thetas).any(axis=0)
    # Bias correction: mid-rank percentile of theta_hat among the resamples (as scipy does).
    below = (thetas < theta).sum(0) + (thetas <= theta).sum(0)
    finite_b = np.isfinite(thetas).sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z0 = special.ndtri(below / (2.0 * finite_b))
    alpha = (1 - confidence) / 2
    za_lo, za_hi = special.ndtri(alpha), special.ndtri(1 - alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        a_lo = special.ndtr(z0 + (z0 + za_lo) / (1 - accel * (z0 + za_lo)))
        a_hi = special.ndtr(z0 + (z0 + za_hi) / (1 - accel * (z0 + za_hi)))
    sorted_t = np.sort(thetas, axis=0)
    ci_lo = _percentile_cols(sorted_t, a_lo)
    ci_hi = _percentile_cols(sorted_t, a_hi)
    for j in np.flatnonzero(has_nan):  # rare: a resample with no present value for column j
        col = thetas[:, j][np.isfinite(thetas[:, j])]
        if col.size:
            ci_lo[j], ci_hi[j] = np.percentile(
                col, [100 * np.nan_to_num(a_lo[j], nan=0.5), 100 * np.nan_to_num(a_hi[j], nan=0.5)]
            )
    # p-value by inverting the BCa map at 0.
    q0 = ((thetas < 0).sum(0) + (thetas <= 0).sum(0)) / (2.0 * finite_b)
    q0 = np.clip(q0, 0.5 / np.maximum(finite_b, 1), 1 - 0.5 / np.maximum(finite_b, 1))
    w = special.ndtri(q0) - z0
    with np.errstate(invalid="ignore", divide="ignore"):
        uu = w / (1 + accel * w)
    zalpha = uu - z0
    p = 2 * np.minimum(special.ndtr(zalpha), special.ndtr(-zalpha))
    p = np.clip(p, 0.0, 1.0)
    se_boot = np.nanstd(thetas, axis=0, ddof=1)
    # Degenerate columns: no spread at all.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        spread = (
            np.nanmax(np.where(m_c > 0, np.abs(jk - theta), np.nan), axis=0) if n_units > 0 else 0 * theta
        )
    degenerate = ~(np.nan_to_num(spread, nan=0.0) > 1e-12 * np.maximum(1.0, np.abs(np.nan_to_num(theta))))
    if degenerate.any():
        n_items = (m_c > 0).sum(0)[degenerate]  # units: items, or clusters
        zero = np.abs(np.nan_to_num(theta[degenerate])) < 1e-15
        p[degenerate] = np.where(zero, 1.0, np.minimum(1.0, 2.0 * 0.5**n_items))
        ci_lo[degenerate] = theta[degenerate]
        ci_hi[degenerate] = theta[degenerate]
        se_boot[degenerate] = 0.0
    return ci_lo, ci_hi, p, se_boot, z0, accel


def bootstrap_bca_mean(
    d: np.ndarray,
    clusters: np.ndarray | None = None,
    n_resamples: int = 10_000,
    confidence: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    chunk: int = 2_000,
) -> BootstrapResult:
    """BCa bootstrap CI and p-value for the mean of each column of `d` (n items x M metrics).

    Resamples items, or whole clusters when `clusters` is given (the statistic is then the
    item mean over the resampled clusters, a ratio estimator).  NaN entries are treated as
    missing for that column only.  All columns share the resampling counts, so M metrics cost
    one (B x C) @ (C x M) product.

    p-value: the BCa-consistent two-sided p, i.e. the level 1 − p at which the BCa interval has 0
    on its boundary (invert the BCa percentile map at the bootstrap percentile of 0).  Bounded
    below by ~1/B and by 2·½^n (n units: the smallest exact sign-flip p; keeps a 3-item slice from
    looking "significant").  Degenerate columns (all d equal, so no spread) get CI = [d̄, d̄] and a sign
    test p (2·½^n for a constant nonzero d, 1 for all zeros); fewer than 2 present units give NaN.
    """
    d = np.asarray(d, dtype=float)
    squeeze = d.ndim == 1
    if squeeze:
        d = d[:, None]
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    s_c, m_c = _cluster_sums(d, clusters)
    n_units, n_cols = s_c.shape
    tot_s, tot_m = s_c.sum(0), m_c.sum(0)
    units_present = (m_c > 0).sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        theta = tot_s / tot_m
    bsz = int(n_resamples)
    thetas = np.empty((bsz, n_cols))
    # Columns with the same missingness share a denominator: compute each distinct one once.
    m_uniq, m_inv = np.unique(m_c, axis=1, return_inverse=True)
    m_inv = np.asarray(m_inv).ravel()
    # float32 products: counts are small integers and the sums need ~7 digits, not 16; 2x faster.
    sm = np.ascontiguousarray(np.hstack([s_c, m_uniq]), dtype=np.float32)
    for start in range(0, bsz, chunk):
        size = min(chunk, bsz - start)
        counts = bootstrap_counts(rng, n_units, size).astype(np.float32)
        prod = (counts @ sm).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            thetas[start : start + size] = prod[:, :n_cols] / prod[:, n_cols:][:, m_inv]
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        # all-missing columns legitimately produce NaN everywhere below
        warnings.simplefilter("ignore", RuntimeWarning)
        ci_lo, ci_hi, p, se_boot, z0, accel = _bca_from_thetas(
            thetas, theta, s_c, m_c, tot_s, tot_m, confidence
        )
    # No resampling/sign-flip argument can be surer than 2·½^n over n exchangeable units; BCa at tiny n
    # (every resample on one side) would otherwise report p ≈ 1/B for 3 items.
    p = np.maximum(p, np.minimum(1.0, 2.0 * 0.5 ** units_present.astype(float)))
    few = units_present < 2
    for arr in (p, ci_lo, ci_hi, se_boot):
        arr[few] = np.nan
    res = BootstrapResult(theta, ci_lo, ci_hi, p, se_boot, z0, accel, tot_m, int(n_units), bsz)
    if squeeze:
        for k in ("estimate", "ci_low", "ci_high", "p_value", "se_boot", "z0", "accel", "n"):
            setattr(res, k, float(getattr(res, k)[0]))
    return res


def paired_bootstrap_bca(
    a: np.ndarray,
    b: np.ndarray,
    clusters: np.ndarray | None = None,
    n_resamples: int = 10_000,
    confidence: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> BootstrapResult:
    """Paired BCa bootstrap of mean(b) − mean(a): resample items (or clusters) jointly."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return bootstrap_bca_mean(b - a, clusters, n_resamples, confidence, seed)


# --------------------------------------------------------------------------------------------
# Wilcoxon signed-rank (Pratt) with rank-biserial r
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WilcoxonResult:
    n: int
    n_nonzero: int
    statistic: float
    p_value: float
    rank_biserial: float  # (R+ − R−)/(R+ + R−), in [−1, 1]; positive = B higher
    mean_diff: float

    def as_dict(self) -> dict:
        return asdict(self)


def wilcoxon_pratt(a: np.ndarray, b: np.ndarray | None = None) -> WilcoxonResult:
    """Wilcoxon signed-rank on d = b − a with zero_method='pratt', method='approx'.

    Pratt keeps zero differences in the ranking (ordinal judge scores tie a lot; dropping the
    zeros as 'wilcox' does overstates the evidence).  All-zero d gives p = 1, r = 0.
    """
    d = (
        np.asarray(a, dtype=float).ravel()
        if b is None
        else (np.asarray(b, dtype=float).ravel() - np.asarray(a, dtype=float).ravel())
    )
    d = d[np.isfinite(d)]
    n = int(d.size)
    nz = int(np.count_nonzero(d))
    if n == 0:
        return WilcoxonResult(0, 0, float("nan"), float("nan"), float("nan"), float("nan"))
    ranks = stats.rankdata(np.abs(d))
    r_plus, r_minus = float(ranks[d > 0].sum()), float(ranks[d < 0].sum())
    r_rb = (r_plus - r_minus) / (r_plus + r_minus) if (r_plus + r_minus) > 0 else 0.0
    if nz == 0:
        return WilcoxonResult(n, 0, 0.0, 1.0, 0.0, 0.0)
    res = stats.wilcoxon(d, zero_method="pratt", method="approx")
    p = float(res.pvalue) if np.isfinite(res.pvalue) else 1.0
    return WilcoxonResult(n, nz, float(res.statistic), p, r_rb, float(d.mean()))


# --------------------------------------------------------------------------------------------
# Welch t (unpaired windows)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WelchResult:
    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    diff: float
    se: float
    df: float
    t: float
    p_value: float
    ci_low: float
    ci_high: float
    cohen_d: float
    hedges_g: float

    def as_dict(self) -> dict:
        return asdict(self)


def welch_t(a: np.ndarray, b: np.ndarray, confidence: float = 0.95) -> WelchResult:
    """Welch t-test of mean(b) − mean(a) for unpaired samples; Cohen's d (pooled sd) and Hedges' g.

    Use only when items are not shared (different traffic windows): pairing is far more
    powerful when it is available.
    """
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    na, nb = a.size, b.size
    va, vb = a.var(ddof=1), b.var(ddof=1)
    se = float(np.sqrt(va / na + vb / nb))
    df = float((va / na + vb / nb) ** 2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1)))
    res = stats.ttest_ind(b, a, equal_var=False)
    diff = float(b.mean() - a.mean())
    tq = float(stats.t.ppf(0.5 + confidence / 2, df))
    sp = np.sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2))
    d = float(diff / sp) if sp > 0 else float("nan")
    g = d * (1 - 3 / (4 * (na + nb) - 9))
    return WelchResult(
        int(na),
        int(nb),
        float(a.mean()),
        float(b.mean()),
        diff,
        se,
        df,
        float(res.statistic),
        float(res.pvalue),
        diff - tq * se,
        diff + tq * se,
        d,
        g,
    )


# --------------------------------------------------------------------------------------------
# Multiplicity
# --------------------------------------------------------------------------------------------
def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """BH-adjusted p-values (scipy.stats.false_discovery_control); NaNs stay NaN and do not count."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = stats.false_discovery_control(np.clip(p[ok], 0.0, 1.0), method="bh")
    return out
