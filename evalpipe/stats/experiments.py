"""Production A/B experiments read every night without inflating false positives.

Input is a table of calls, one row per model call: the arm (a configured variant field), the
randomisation / clustering unit (session or user id), the day, one column per outcome metric
(binary 0/1 or continuous; NaN = not measured on that call) and, optionally, a pre-period
covariate per metric for CUPED.  Everything is numpy/scipy; statsmodels is only the reference in
the tests.

What one reading does, per metric (all of it on the calls up to each day, so the nightly history
is part of every result and the same data always give the same verdict):

1. **Sample-ratio mismatch**: chi-square of the number of randomisation units per arm against the
   configured split.  p < `srm_alpha` (0.001, strict: a real SRM is a broken assignment, and
   with nightly reading a loose threshold would raise false SRM alarms) → every metric
   `srm_failed`: the arms are not comparable, whatever the numbers say.
2. **Difference of means with a clustered (CR1) standard error**: the OLS coefficient of the
   treatment dummy, with the cluster-robust sandwich and statsmodels' small-sample factor
   G/(G−1)·(N−1)/(N−K).  Calls of one session share the user, the topic and the mood: their
   outcomes are correlated and the naive SE is too small (the ratio is reported as the design
   effect).
3. **CUPED** where a pre-period covariate X exists: Y − θ(X − X̄) with θ = cov(Y, X)/var(X) from
   the pooled arms (pooling keeps the adjustment independent of the treatment).  Calls without a
   pre-period value get X = X̄ (no adjustment).  The variance reduction 1 − SE²_adj/SE²_raw is
   reported.
4. **Always-valid inference**: a normal-mixture SPRT / confidence sequence (Robbins 1970; Howard,
   Ramdas, McAuliffe & Sekhon 2021, eq. for the two-sided normal mixture; the mSPRT of Johari et
   al. 2017) on the clustered estimate.  With the estimate θ̂ and its variance V at a reading and a
   N(0, τ²) mixture over the effect,

       Λ = sqrt(V / (V + τ²)) · exp(τ² θ̂² / (2 V (V + τ²)))

   is (asymptotically) a nonnegative martingale under θ = 0, so by Ville's inequality
   P(sup Λ ≥ 1/α) ≤ α however often it is read.  The matching confidence sequence is
   θ̂ ± sqrt(V (V + τ²)/τ² · (2 log(1/α) + log(1 + τ²/V))); the reported one is the running
   intersection over nightly readings, and the always-valid p-value is min over readings of 1/Λ.
   τ (the mixing sd) is the effect the test is tuned for: the boundary is tightest around the
   time when V ≈ τ².  Set `expected_effect` per metric (absolute units); if unset,
   τ = `default_mixing_effect` × the metric's pooled sd at that reading (0.1: a "small" standardised
   effect).
5. **Verdict**: `srm_failed`, else `ship` / `harm` when the confidence sequence excludes 0 on the
   better / worse side (direction from `higher_is_better`), else `keep running`, with the days still
   needed at the observed effect: the variance V* at which the boundary equals |θ̂|, projected with
   the current accrual (V ∝ 1/calls, calls per day = calls so far / days so far).

Bad input: calls with no variant value are counted, excluded and reported; arms not in the
configuration are counted and excluded; fewer than two arms is a ValueError.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse, stats

VERDICTS = ("ship", "harm", "keep running", "srm_failed")

# Stable schema of `ExperimentResult.metrics` (the future DuckDB table keys on it).
RESULT_COLUMNS = [
    "metric",
    "kind",
    "higher_is_better",
    "control",
    "treatment",
    "n_control",
    "n_treatment",
    "clusters_control",
    "clusters_treatment",
    "n_missing_value",
    "mean_control",
    "mean_treatment",
    "diff_raw",
    "diff",
    "rel_diff",
    "se_naive",
    "se_clustered",
    "design_effect",
    "cuped",
    "cuped_theta",
    "variance_reduction",
    "ci_low",
    "ci_high",
    "p_fixed",
    "mixing_sd",
    "cs_low",
    "cs_high",
    "p_always_valid",
    "verdict",
    "days_observed",
    "days_needed",
]

READING_COLUMNS = [
    "metric",
    "day",
    "n",
    "diff",
    "se_clustered",
    "se_naive",
    "variance_reduction",
    "mixing_sd",
    "cs_low",
    "cs_high",
    "p_fixed",
    "p_always_valid",
]


@dataclass(frozen=True)
class ExperimentMetric:
    """One outcome metric of an experiment.

    kind: "binary" (0/1) or "continuous".  covariate: column with the pre-period value of the
    same quantity (e.g. the user's thumbs-down rate in the weeks before) for CUPED.
    expected_effect: absolute effect the sequential test is tuned for (its mixing sd).
    """

    kind: Literal["binary", "continuous"] = "continuous"
    higher_is_better: bool = True
    covariate: str | None = None
    expected_effect: float | None = None


@dataclass(frozen=True)
class ExperimentConfig:
    """How to read an experiment.

    variant_field: column holding the arm.  control / treatment: arm labels (treatment may be
    None when there are exactly two arms).  split: expected traffic share per arm (default
    equal).  cluster: randomisation / clustering unit (session_id or user_id).
    """

    control: str
    treatment: str | None = None
    metrics: dict[str, ExperimentMetric | str] = field(default_factory=dict)
    variant_field: str = "variant"
    cluster: str = "session_id"
    day: str = "day"
    split: dict[str, float] | None = None
    alpha: float = 0.05
    srm_alpha: float = 0.001
    default_mixing_effect: float = 0.1
    max_days_needed: float = 365.0

    def metric(self, name: str) -> ExperimentMetric:
        m = self.metrics[name]
        return ExperimentMetric(kind=m) if isinstance(m, str) else m


@dataclass(frozen=True)
class SrmResult:
    """Sample-ratio check on randomisation units (and calls, for information)."""

    units: dict[str, int]
    calls: dict[str, int]
    expected_share: dict[str, float]
    chi2: float
    p_value: float
    failed: bool
    units_in_both_arms: int


@dataclass
class ExperimentResult:
    """One reading: SRM, per-metric table (RESULT_COLUMNS), nightly path (READING_COLUMNS), counts."""

    srm: SrmResult
    metrics: pd.DataFrame
    readings: pd.DataFrame
    counts: dict[str, int]
    verdict: str

    def as_dict(self) -> dict:
        return {
            "verdict": self.verdict,
            "counts": self.counts,
            "srm": self.srm.__dict__,
            "metrics": self.metrics.to_dict(orient="records"),
        }


# --------------------------------------------------------------------------------------------
# Core estimators (vectorised; pure numpy)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DiffEstimate:
    diff: float
    se_clustered: float
    se_naive: float
    mean_control: float
    mean_treatment: float
    n_control: int
    n_treatment: int
    clusters_control: int
    clusters_treatment: int
    n_clusters: int


def clustered_diff(
    y: np.ndarray, treat: np.ndarray, cluster_codes: np.ndarray, n_codes: int | None = None
) -> DiffEstimate:
    """ȳ_T − ȳ_C with the CR1 cluster-robust SE of the OLS treatment coefficient.

    Equals statsmodels `OLS(y, [1, T]).fit(cov_type="cluster", groups=...)` (use_correction:
    G/(G−1)·(N−1)/(N−2)), also when a cluster holds calls of both arms: the per-call score is
    (y − ȳ_T)/n_T in treatment and −(y − ȳ_C)/n_C in control, summed per cluster.
    `cluster_codes` are integers in [0, n_codes); empty codes are not counted as clusters.
    """
    y = np.asarray(y, dtype=float)
    t = np.asarray(treat, dtype=bool)
    g = np.asarray(cluster_codes, dtype=np.int64)
    n_codes = int(g.max()) + 1 if n_codes is None and g.size else int(n_codes or 0)
    n_t = int(t.sum())
    n_c = int(t.size - n_t)
    if n_t == 0 or n_c == 0:
        nan = float("nan")
        return DiffEstimate(nan, nan, nan, nan, nan, n_c, n_t, 0, 0, 0)
    m_t = float(y[t].mean())
    m_c = float(y[~t].mean())
    resid = np.where(t, y - m_t, y - m_c)
    score = np.where(t, resid / n_t, -resid / n_c)
    per_cluster = np.bincount(g, weights=score, minlength=n_codes)
    sizes_t = np.bincount(g[t], minlength=n_codes)
    sizes_c = np.bincount(g[~t], minlength=n_codes)
    n_clusters = int(np.count_nonzero(sizes_t + sizes_c))
    n = n_t + n_c
    if n_clusters < 2 or n < 3:
        se_cl = float("nan")
    else:
        corr = n_clusters / (n_clusters - 1) * (n - 1) / (n - 2)
        se_cl = float(np.sqrt(corr * np.sum(per_cluster**2)))
    var_t = float(np.sum(resid[t] ** 2)) / max(n_t - 1, 1)
    var_c = float(np.sum(resid[~t] ** 2)) / max(n_c - 1, 1)
    se_naive = float(np.sqrt(var_t / n_t + var_c / n_c))
    return DiffEstimate(
        m_t - m_c,
        se_cl,
        se_naive,
        m_c,
        m_t,
        n_c,
        n_t,
        int(np.count_nonzero(sizes_c)),
        int(np.count_nonzero(sizes_t)),
        n_clusters,
    )


def cuped_adjust(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, float]:
    """Y − θ(X − X̄), θ = cov(Y, X)/var(X) on the pooled arms; missing X → X̄ (no adjustment)."""
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    ok = np.isfinite(x)
    if ok.sum() < 3:
        return y, 0.0
    xm = float(x[ok].mean())
    xc = np.where(ok, x - xm, 0.0)
    var_x = float(np.sum(xc[ok] ** 2))
    if var_x <= 0:
        return y, 0.0
    theta = float(np.sum(xc[ok] * (y[ok] - y[ok].mean())) / var_x)
    return y - theta * xc, theta


def mixture_boundary(v: np.ndarray | float, tau: np.ndarray | float, alpha: float) -> np.ndarray:
    """Half-width of the two-sided normal-mixture confidence sequence at variance v."""
    v = np.asarray(v, dtype=float)
    tau2 = np.asarray(tau, dtype=float) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt(v * (v + tau2) / tau2 * (2 * np.log(1 / alpha) + np.log1p(tau2 / v)))


def mixture_log_lr(est: np.ndarray | float, v: np.ndarray | float, tau: np.ndarray | float) -> np.ndarray:
    """log Λ of the normal-mixture SPRT for H0: effect = 0 (always-valid p = min(1, 1/Λ))."""
    est = np.asarray(est, dtype=float)
    v = np.asarray(v, dtype=float)
    tau2 = np.asarray(tau, dtype=float) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return 0.5 * np.log(v / (v + tau2)) + tau2 * est**2 / (2 * v * (v + tau2))


def variance_to_cross(effect: float, tau: float, alpha: float) -> float:
    """The variance V* at which the boundary equals |effect| (0 when effect is 0)."""
    e = abs(effect)
    if not (np.isfinite(e) and e > 0 and np.isfinite(tau) and tau > 0):
        return 0.0
    lo, hi = 1e-300, 1.0
    while mixture_boundary(hi, tau, alpha) < e:  # boundary increases with v
        hi *= 4.0
    for _ in range(200):  # bisection in log space
        mid = math.sqrt(lo * hi)
        if mixture_boundary(mid, tau, alpha) < e:
            lo = mid
        else:
            hi = mid
        if hi / lo < 1 + 1e-9:
            break
    return lo


# --------------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------------
def _clean_variant(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(labels stripped of whitespace, missing mask); null and blank values are missing.

    Cleans the distinct values only (a variant column has a handful), not every call."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    clean = np.array([str(u).strip() for u in uniques] + [""], dtype=object)
    labels = clean[codes]  # code -1 (null) picks the trailing ""
    return labels, labels == ""


def _resolve_arms(
    calls: pd.DataFrame, cfg: ExperimentConfig
) -> tuple[str, str, np.ndarray, np.ndarray, dict]:
    if cfg.variant_field not in calls.columns:
        raise ValueError(f"variant field {cfg.variant_field!r} is not a column of the calls table")
    lab, missing = _clean_variant(calls[cfg.variant_field])
    arms = sorted({str(a) for a in pd.unique(lab[~missing])})
    treatment = cfg.treatment
    if treatment is None:
        others = [a for a in arms if a != cfg.control]
        if len(others) > 1:
            raise ValueError(f"more than two arms {arms}: set `treatment`")
        treatment = others[0] if others else None
    present = [a for a in (cfg.control, treatment) if a is not None and a in arms]
    if len(present) < 2:
        raise ValueError(
            f"experiment needs two arms ({cfg.control!r} vs {treatment!r}); calls carry only {arms}"
            f" ({int(missing.sum())} calls have no {cfg.variant_field!r})"
        )
    keep = ~missing & ((lab == cfg.control) | (lab == treatment))
    counts = {
        "n_calls": int(len(calls)),
        "n_missing_variant": int(missing.sum()),
        "n_other_arm": int((~missing & ~keep).sum()),
        "n_used": int(keep.sum()),
    }
    return cfg.control, str(treatment), keep, lab, counts


def srm_check(
    units: dict[str, int], expected_share: dict[str, float], alpha: float = 0.001
) -> tuple[float, float, bool]:
    """Chi-square goodness of fit of unit counts per arm to the configured split."""
    arms = list(units)
    obs = np.array([units[a] for a in arms], dtype=float)
    share = np.array([expected_share[a] for a in arms], dtype=float)
    share = share / share.sum()
    if obs.sum() == 0:
        return float("nan"), float("nan"), False
    chi2, p = stats.chisquare(obs, f_exp=share * obs.sum())
    return float(chi2), float(p), bool(p < alpha)


# --------------------------------------------------------------------------------------------
# The analysis
# --------------------------------------------------------------------------------------------
def _by_day(values: np.ndarray, day: np.ndarray, n_days: int) -> np.ndarray:
    """Column sums of `values` (rows × q) per day, cumulated over days (n_days × q)."""
    onehot = sparse.csr_matrix((np.ones(day.size), (day, np.arange(day.size))), shape=(n_days, day.size))
    return np.cumsum(np.asarray(onehot @ values), axis=0)


def nightly_estimates(
    y: np.ndarray, x: np.ndarray | None, treat: np.ndarray, cluster: np.ndarray, day: np.ndarray, n_days: int
) -> dict[str, np.ndarray]:
    """`clustered_diff` (and CUPED) on the calls up to every day, all days in O(calls).

    Every reading's CR1 variance is Σ_c score_c² with score_c = wᵀu_c, u_c the cluster's running
    sums (y and count per arm; with a covariate also Σx and the count of calls with x), and w
    depending only on arm-level totals and θ of that reading.  So Σ_c u_c u_cᵀ per day is all that
    is needed: each (cluster, day) cell adds outer(u_after) − outer(u_before) to its day, and a
    cumulative sum over days gives the matrix for every reading.  y and x are centred first (the
    estimates are shift-invariant) to keep the expansion free of cancellation.  Same numbers as
    calling `clustered_diff` / `cuped_adjust` on every prefix (tested).
    """
    y = np.asarray(y, dtype=float)
    shift = float(y.mean()) if y.size else 0.0
    y = y - shift
    t = np.asarray(treat, dtype=float)
    c = 1.0 - t
    day = np.asarray(day, dtype=np.int64)
    cols = [y * t, t, y * c, c]
    if x is not None:
        x = np.asarray(x, dtype=float)
        px = np.isfinite(x).astype(float)
        x0 = float(x[px > 0].mean()) if px.any() else 0.0
        xv = np.where(px > 0, x - x0, 0.0)
        cols += [xv * t, px * t, xv * c, px * c]
    u = np.column_stack(cols)
    q = u.shape[1]
    # (cluster, day) cells in (cluster, day) order, running sums within each cluster
    g = np.asarray(cluster, dtype=np.int64)
    key = g * n_days + day
    order = np.argsort(key, kind="stable")
    ks = key[order]
    starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
    du = np.add.reduceat(u[order], starts, axis=0)
    cell_cluster, cell_day = ks[starts] // n_days, ks[starts] % n_days
    first = np.r_[True, cell_cluster[1:] != cell_cluster[:-1]]
    run = np.cumsum(du, axis=0)
    base = (run - du)[first]  # running total just before each cluster's first cell
    after = run - base[np.cumsum(first) - 1]
    before = after - du
    contrib = (np.einsum("ci,cj->cij", after, after) - np.einsum("ci,cj->cij", before, before)).reshape(
        -1, q * q
    )
    m = _by_day(contrib, cell_day, n_days).reshape(n_days, q, q)
    n_clusters = np.cumsum(np.bincount(cell_day[first], minlength=n_days))
    final = after[np.r_[first[1:], True]]  # each cluster's last cell: its totals

    arm_cols = [*cols, y * y * t, y * y * c]
    if x is not None:
        arm_cols += [xv * xv, xv * y, y * px]
    tot = _by_day(np.column_stack(arm_cols), day, n_days)
    s_t, n_t, s_c, n_c = tot[:, 0], tot[:, 1], tot[:, 2], tot[:, 3]
    ss_t, ss_c = tot[:, q], tot[:, q + 1]
    n = n_t + n_c
    with np.errstate(divide="ignore", invalid="ignore"):
        m_t, m_c = s_t / n_t, s_c / n_c
        var_t = (ss_t - n_t * m_t**2) / np.maximum(n_t - 1, 1)
        var_c = (ss_c - n_c * m_c**2) / np.maximum(n_c - 1, 1)
        se_naive = np.sqrt(np.maximum(var_t, 0) / n_t + np.maximum(var_c, 0) / n_c)
        corr = np.where(
            (n_clusters >= 2) & (n >= 3), n_clusters / (n_clusters - 1) * (n - 1) / (n - 2), np.nan
        )
        sd = np.sqrt(np.maximum((ss_t + ss_c) / n - ((s_t + s_c) / n) ** 2, 0))

        def clustered_var(w: np.ndarray) -> np.ndarray:
            return corr * np.maximum(np.einsum("ki,kij,kj->k", w, m, w), 0)

        zero = np.zeros(n_days)
        w_raw = np.column_stack([1 / n_t, -m_t / n_t, -1 / n_c, m_c / n_c] + [zero] * (q - 4))
        var_raw = clustered_var(w_raw)
        theta = zero.copy()
        diff = m_t - m_c
        var_adj = var_raw
        if x is not None:
            x_t, nx_t, x_c, nx_c = tot[:, 4], tot[:, 5], tot[:, 6], tot[:, 7]
            sxx, sxy, sy_p = tot[:, q + 2], tot[:, q + 3], tot[:, q + 4]
            nx = nx_t + nx_c
            xbar = (x_t + x_c) / nx
            denom = sxx - nx * xbar**2
            theta = np.where((nx >= 3) & (denom > 0), (sxy - nx * xbar * (sy_p / nx)) / denom, 0.0)
            adj_t = (s_t - theta * (x_t - xbar * nx_t)) / n_t
            adj_c = (s_c - theta * (x_c - xbar * nx_c)) / n_c
            diff = adj_t - adj_c
            w_adj = np.column_stack(
                [
                    1 / n_t,
                    -adj_t / n_t,
                    -1 / n_c,
                    adj_c / n_c,
                    -theta / n_t,
                    theta * xbar / n_t,
                    theta / n_c,
                    -theta * xbar / n_c,
                ]
            )
            var_adj = clustered_var(w_adj)
    return {
        "n_control": n_c,
        "n_treatment": n_t,
        "mean_control": m_c + shift,
        "mean_treatment": m_t + shift,
        "diff_raw": m_t - m_c,
        "diff": diff,
        "se_raw": np.sqrt(var_raw),
        "se_clustered": np.sqrt(var_adj),
        "se_naive": se_naive,
        "theta": theta,
        "sd": sd,
        "n_clusters": n_clusters,
        "clusters_control_final": np.array([np.count_nonzero(final[:, 3])]),
        "clusters_treatment_final": np.array([np.count_nonzero(final[:, 1])]),
    }


def _metric_path(
    y: np.ndarray,
    x: np.ndarray | None,
    t: np.ndarray,
    g: np.ndarray,
    day: np.ndarray,
    n_days: int,
    spec: ExperimentMetric,
    cfg: ExperimentConfig,
) -> list[dict]:
    """One reading after each day: the clustered (CUPED) estimate and its mixture boundary."""
    e = nightly_estimates(y, x, t, g, day, n_days)
    with np.errstate(divide="ignore", invalid="ignore"):
        vr = (
            np.where(e["se_raw"] > 0, 1 - (e["se_clustered"] / e["se_raw"]) ** 2, 0.0)
            if x is not None
            else None
        )
    out = []
    for k in range(n_days):
        n_c, n_t = int(e["n_control"][k]), int(e["n_treatment"][k])
        last = k == n_days - 1
        cl_c = int(e["clusters_control_final"][0]) if last else 0
        cl_t = int(e["clusters_treatment_final"][0]) if last else 0

        def est(d: float, se: float, k: int = k, n_c: int = n_c, n_t: int = n_t, cl_c=cl_c, cl_t=cl_t):
            return DiffEstimate(
                float(d),
                float(se),
                float(e["se_naive"][k]),
                float(e["mean_control"][k]),
                float(e["mean_treatment"][k]),
                n_c,
                n_t,
                cl_c,
                cl_t,
                int(e["n_clusters"][k]),
            )

        raw = est(e["diff_raw"][k], e["se_raw"][k])
        adj = est(e["diff"][k], e["se_clustered"][k]) if x is not None else raw
        if spec.expected_effect is not None:
            tau = float(spec.expected_effect)
        else:
            tau = cfg.default_mixing_effect * float(e["sd"][k]) if n_c + n_t > 1 else float("nan")
        v = adj.se_clustered**2
        ok = np.isfinite(adj.diff) and np.isfinite(v) and v > 0 and np.isfinite(tau) and tau > 0
        if ok:
            hw = float(mixture_boundary(v, tau, cfg.alpha))
            log_lr = float(mixture_log_lr(adj.diff, v, tau))
            p_fixed = float(2 * stats.norm.sf(abs(adj.diff) / adj.se_clustered))
        else:
            hw, log_lr, p_fixed = float("inf"), float("-inf"), float("nan")
        out.append(
            {
                "k": k,
                "raw": raw,
                "est": adj,
                "theta": float(e["theta"][k]),
                "variance_reduction": float(vr[k]) if vr is not None else 0.0,
                "tau": tau,
                "cs_low": adj.diff - hw if ok else float("-inf"),
                "cs_high": adj.diff + hw if ok else float("inf"),
                "p_fixed": p_fixed,
                "p_seq": float(min(1.0, math.exp(-log_lr))) if ok else 1.0,
            }
        )
    return out


def analyze_experiment(
    calls: pd.DataFrame, cfg: ExperimentConfig, as_of_day: object | None = None
) -> ExperimentResult:
    """Read an experiment on all calls up to `as_of_day` (default: the last day present).

    The nightly path (one reading after each day) is recomputed from the data, so the verdict does
    not depend on whether or how often someone looked before.
    """
    for col in (cfg.cluster, cfg.day):
        if col not in calls.columns:
            raise ValueError(f"column {col!r} is missing from the calls table")
    if as_of_day is not None:
        calls = calls[calls[cfg.day] <= as_of_day]
    control, treatment, keep, labels, counts = _resolve_arms(calls, cfg)
    idx = np.flatnonzero(keep)  # columns are read as arrays at these rows: no copy of the table

    def column(name: str) -> np.ndarray:
        return calls[name].to_numpy()[idx]

    cluster_values = pd.Series(column(cfg.cluster))
    missing_cluster = cluster_values.isna().to_numpy()
    if missing_cluster.any():  # a call without a unit is its own cluster: conservative and counted
        cluster_values = cluster_values.astype(object)
        cluster_values[missing_cluster] = [f"__call_{i}" for i in np.flatnonzero(missing_cluster)]
    counts["n_missing_cluster"] = int(missing_cluster.sum())

    day_codes, day_labels = pd.factorize(column(cfg.day), sort=True)
    t_all = labels[idx] == treatment
    g_all, _ = pd.factorize(cluster_values, sort=False)

    # SRM on randomisation units
    unit_arm = np.unique(g_all.astype(np.int64) * 2 + t_all)
    unit_t = (unit_arm % 2).astype(bool)
    unit_g = unit_arm // 2
    both = int(np.count_nonzero(np.bincount(unit_g) > 1))
    units = {control: int((~unit_t).sum()), treatment: int(unit_t.sum())}
    calls_per_arm = {control: int((~t_all).sum()), treatment: int(t_all.sum())}
    share = cfg.split or {control: 0.5, treatment: 0.5}
    expected = {control: float(share[control]), treatment: float(share[treatment])}
    chi2, p_srm, srm_failed = srm_check(units, expected, cfg.srm_alpha)
    srm = SrmResult(units, calls_per_arm, expected, chi2, p_srm, srm_failed, both)

    n_days = len(day_labels)
    rows, reading_rows = [], []
    for name in cfg.metrics:
        spec = cfg.metric(name)
        if name not in calls.columns:
            raise ValueError(f"metric column {name!r} is missing from the calls table")
        y_full = pd.to_numeric(pd.Series(column(name)), errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(y_full)
        y, t, g, dc = y_full[ok], t_all[ok], g_all[ok], day_codes[ok]
        x = None
        if spec.covariate is not None:
            if spec.covariate not in calls.columns:
                raise ValueError(f"covariate column {spec.covariate!r} is missing")
            x = pd.to_numeric(pd.Series(column(spec.covariate)), errors="coerce").to_numpy(dtype=float)[ok]
        path = _metric_path(y, x, t, g, dc, n_days, spec, cfg)
        cs_low, cs_high, p_av = -np.inf, np.inf, 1.0
        for r in path:  # running intersection and running min: valid at every reading
            cs_low = max(cs_low, r["cs_low"])
            cs_high = min(cs_high, r["cs_high"])
            p_av = min(p_av, r["p_seq"])
            e = r["est"]
            reading_rows.append(
                {
                    "metric": name,
                    "day": day_labels[r["k"]],
                    "n": e.n_control + e.n_treatment,
                    "diff": e.diff,
                    "se_clustered": e.se_clustered,
                    "se_naive": e.se_naive,
                    "variance_reduction": r["variance_reduction"],
                    "mixing_sd": r["tau"],
                    "cs_low": cs_low,
                    "cs_high": cs_high,
                    "p_fixed": r["p_fixed"],
                    "p_always_valid": p_av,
                }
            )
        last = path[-1]
        est, raw = last["est"], last["raw"]
        decided = cs_low > 0 or cs_high < 0
        if srm_failed:
            verdict = "srm_failed"
        elif decided:
            better = (cs_low > 0) == spec.higher_is_better
            verdict = "ship" if better else "harm"
        else:
            verdict = "keep running"
        n_now = est.n_control + est.n_treatment
        days_observed = int(np.count_nonzero(np.bincount(dc, minlength=n_days)))
        if decided:
            days_needed = 0.0
        else:
            v_star = variance_to_cross(est.diff, last["tau"], cfg.alpha)
            v_now = est.se_clustered**2
            rate = n_now / max(days_observed, 1)
            if v_star > 0 and np.isfinite(v_now) and rate > 0:
                extra = n_now * (v_now / v_star - 1)
                days_needed = float(max(1, math.ceil(extra / rate))) if extra > 0 else 1.0
                if days_needed > cfg.max_days_needed:
                    days_needed = float("inf")
            else:
                days_needed = float("inf")
        z = stats.norm.ppf(1 - cfg.alpha / 2)
        rows.append(
            {
                "metric": name,
                "kind": spec.kind,
                "higher_is_better": spec.higher_is_better,
                "control": control,
                "treatment": treatment,
                "n_control": est.n_control,
                "n_treatment": est.n_treatment,
                "clusters_control": est.clusters_control,
                "clusters_treatment": est.clusters_treatment,
                "n_missing_value": int((~ok).sum()),
                "mean_control": raw.mean_control,
                "mean_treatment": raw.mean_treatment,
                "diff_raw": raw.diff,
                "diff": est.diff,
                "rel_diff": raw.diff / raw.mean_control if raw.mean_control else float("nan"),
                "se_naive": raw.se_naive,
                "se_clustered": est.se_clustered,
                "design_effect": (raw.se_clustered / raw.se_naive) ** 2 if raw.se_naive else float("nan"),
                "cuped": x is not None,
                "cuped_theta": last["theta"],
                "variance_reduction": last["variance_reduction"],
                "ci_low": est.diff - z * est.se_clustered,
                "ci_high": est.diff + z * est.se_clustered,
                "p_fixed": last["p_fixed"],
                "mixing_sd": last["tau"],
                "cs_low": cs_low,
                "cs_high": cs_high,
                "p_always_valid": p_av,
                "verdict": verdict,
                "days_observed": days_observed,
                "days_needed": days_needed,
            }
        )
    metrics = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    readings = pd.DataFrame(reading_rows, columns=READING_COLUMNS)
    verdicts = set(metrics["verdict"])
    if srm_failed:
        overall = "srm_failed"
    elif "harm" in verdicts:
        overall = "harm"
    elif "ship" in verdicts:
        overall = "ship"
    else:
        overall = "keep running"
    return ExperimentResult(srm, metrics, readings, counts, overall)


# --------------------------------------------------------------------------------------------
# Simulation helpers (tests and benchmark): nightly readings of many simulated experiments
# --------------------------------------------------------------------------------------------
def simulate_calls(
    rng: np.random.Generator,
    days: int = 30,
    sessions_per_day: int = 100,
    calls_per_session: float = 3.0,
    p_control: float = 0.2,
    effect: float = 0.0,
    session_sd: float = 1.0,
    treat_share: float = 0.5,
    pre_corr: float = 0.0,
    score_effect: float | None = None,
) -> pd.DataFrame:
    """Synthetic calls of a session-randomised experiment with correlated calls within a session.

    Binary outcome `bad` from a latent logit with a session random effect (sd `session_sd`), base
    rate ≈ `p_control`; `effect` is added to the treatment rate (absolute).  Continuous outcome
    `score` = session effect + noise + `score_effect` (default: `effect`).  `pre` is a pre-period covariate correlated
    `pre_corr` with the session effect (for CUPED).
    """
    n_s = days * sessions_per_day
    s_day = np.repeat(np.arange(days), sessions_per_day)
    s_treat = rng.random(n_s) < treat_share
    s_eff = rng.normal(0, session_sd, n_s)
    s_pre = pre_corr * s_eff + np.sqrt(max(1 - pre_corr**2, 0)) * rng.normal(0, session_sd, n_s)
    sizes = 1 + rng.poisson(max(calls_per_session - 1, 0), n_s)
    idx = np.repeat(np.arange(n_s), sizes)
    n = idx.size
    base_logit = np.log(p_control / (1 - p_control))
    p = 1 / (1 + np.exp(-(base_logit + s_eff[idx] + rng.normal(0, 0.5, n))))
    # rescale so that the marginal control rate is ≈ p_control, then add the absolute effect
    p = np.clip(p * (p_control / p.mean()) + effect * s_treat[idx], 0, 1)
    bad = (rng.random(n) < p).astype(float)
    d_score = effect if score_effect is None else score_effect
    score = s_eff[idx] + rng.normal(0, 1, n) + d_score * s_treat[idx]
    return pd.DataFrame(
        {
            "day": s_day[idx],
            "session_id": idx,
            "variant": np.where(s_treat[idx], "B", "A"),
            "bad": bad,
            "score": score,
            "pre": s_pre[idx],
        }
    )


@dataclass(frozen=True)
class PeekingSimulation:
    """Share of simulated experiments declared significant at any nightly reading."""

    n_sims: int
    days: int
    sequential_rate: float
    naive_rate: float
    sequential_ci: tuple[float, float]
    naive_ci: tuple[float, float]
    median_decision_day: float


def simulate_peeking(
    n_sims: int,
    seed: int = 0,
    days: int = 30,
    sessions_per_day: int = 60,
    effect: float = 0.0,
    metric: str = "bad",
    alpha: float = 0.05,
    expected_effect: float | None = None,
    **sim_kwargs: float,
) -> PeekingSimulation:
    """Run `n_sims` experiments, read every night for `days` days, with both rules.

    Sequential: the confidence sequence excludes 0 at some reading.  Naive: a fixed-n two-sided
    z-test on the same clustered estimate has p < α at some reading (what a nightly dashboard does).
    Under `effect = 0` both rates are false-positive rates; otherwise they are powers.
    """
    rng = np.random.default_rng(seed)
    spec = ExperimentMetric(
        "binary" if metric == "bad" else "continuous",
        higher_is_better=metric != "bad",
        expected_effect=expected_effect,
    )
    cfg = ExperimentConfig(control="A", metrics={metric: spec}, alpha=alpha)
    seq = np.zeros(n_sims, bool)
    naive = np.zeros(n_sims, bool)
    first_day = []
    for i in range(n_sims):
        df = simulate_calls(rng, days=days, sessions_per_day=sessions_per_day, effect=effect, **sim_kwargs)
        res = analyze_experiment(df, cfg)
        rd = res.readings
        crossed = (rd["cs_low"] > 0) | (rd["cs_high"] < 0)
        seq[i] = bool(crossed.any())
        naive[i] = bool((rd["p_fixed"] < alpha).any())
        if seq[i]:
            first_day.append(int(np.argmax(crossed.to_numpy())) + 1)

    def _ci(flags: np.ndarray) -> tuple[float, float]:
        ci = stats.binomtest(int(flags.sum()), n_sims).proportion_ci(method="wilson")
        return float(ci.low), float(ci.high)

    return PeekingSimulation(
        n_sims,
        days,
        float(seq.mean()),
        float(naive.mean()),
        _ci(seq),
        _ci(naive),
        float(np.median(first_day)) if first_day else float("nan"),
    )
