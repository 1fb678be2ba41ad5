"""Baseline-vs-candidate comparison report and the release gate (README, "Statistics and reports").

`compare_systems` turns a long table of per-example scores into one tidy row per
candidate x metric x slice; `gate_decision` reads those rows (and, for the golden gate, the scores)
and says block / proceed / undecided with reasons.

Code path: `_prepare` (wide table, metric specs, slices, design arrays, once) → `_estimate_cell`
per candidate x slice x metric (effect, SE, df, CI, test, as a `_Cell`) → `_candidate_frame`
(`_gate_family`, the shared sign flips and max-T in `_p_values`, then verdict, MDE and notes).

Estimates.  Every cell is a design-weighted paired difference d̄_w = Σ w_i d_i / Σ w_i over the
items both systems scored (w = the dataset's design weight N_h/n_h; 1 outside the distribution
partition), with Kish's effective n (Σw)²/Σw².  Its SE is the stratified linearisation (with-
replacement) variance over units (clusters, or items when no item shares a cluster), strata =
the design strata (`strata_column`), singleton strata collapsed together; CI = d̄_w ± t_df·SE,
df = the smallest of units − strata, the Satterthwaite df of the unit weights (Σ W_c²)²/Σ W_c⁴ and
the stratified Satterthwaite df (Σ_h V_h)²/Σ_h V_h²/(C_h − 1) of the variance estimate (a slice
cutting across the strata, or a few heavy units holding the variance, has few df).

Tests, chosen so that they hold at the size of the cell:

- binary, equal weights, no cluster with more than one item → **McNemar mid-p**, Agresti–Min
  interval (add ½ to each cell: never zero-width, covers at small n).
- everything else (continuous, ordinal, weighted or clustered binary) → **sign-flip permutation**
  of the unit totals Σ_{i∈c} w_i d_i: exact under "A and B are exchangeable" at any n, so an
  8-item stratum has the p-value it deserves.  Ordinal scores use the same mean difference as
  effect, CI and test (one effect, one test that agree).

Gate family (pre-declared): gating metrics × {all, partitions} plus slices with at least
`min_gating_n` effective items (Kish's n_eff; = n with equal weights) and `min_gating_clusters`
units.  The primary metric's overall row is tested on its own, unadjusted, at α (its `mde` is the power statement for that test); the rest of the
family is adjusted by the Westfall–Young step-down max-T over the same sign flips (family-wise
error, dependence between overlapping cells and metrics included).  Both look only for
regressions, each at one-sided α/2, so P(any false block) ≤ α under the exact null.  Informational
metrics and cells duplicating another cell (e.g. `stratum` filled from `partition`) are in no
family; BH q-values over all non-informational rows are reported for exploration only.

Verdicts (each means one thing; "worse"/"better" follow `higher_is_better`):

- `regression`   the CI lies wholly on the worse side of −tolerance and the row's test is
                 significant (primary overall row: raw p < α; family rows: p_adj < α; rows outside
                 the family: raw p < α, descriptive only: they never block).
- `improvement`  the CI lies wholly beyond +tolerance on the better side and raw p < α.
- `trivial`      the CI lies inside (−tol, +tol) and excludes 0: a real change too small to matter.
- `no_change`    the CI lies inside (−tol, +tol) and contains 0: equivalence (TOST at α/2 a side).
- `inconclusive` none of the above: the CI crosses a tolerance bound.
- `untestable`   fewer than `min_n` pairs, or no test possible.

`mde` = tolerance + (q_{1−α/2} + z_power)·SE, q the quantile of the row's CI (z, or t at its df):
the true regression the row's regression rule detects with probability `power` (2.80·SE at large
df when the tolerance is 0); for binary metrics SE is taken
at that alternative (ψ(δ) = √(ψ̂² − Δ̂² + δ²): a shift keeps the product of the discordant cells),
and for weighted or clustered binary rows group by group (each stratum's SE part scaled by its
own ψ_h at its own change), for a regression of the same size on every item, or confined to the
strata `mde_strata` names: with design weights the variance sits in the heavily weighted strata,
so a regression there needs a larger design-weighted size to be seen (one MDE cannot be right for
every allocation; the report states it for the one declared).  `underpowered` = the row
would show equivalence (no_change) with probability below `power` if the true change were 0,
i.e. tolerance < (q_{1−α/2} + z_{(1+power)/2})·SE.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from evalpipe.stats.paired import benjamini_hochberg, mcnemar_midp_vec

MetricType = Literal["binary", "continuous", "ordinal"]
VERDICTS = ("regression", "improvement", "trivial", "no_change", "inconclusive", "untestable")
DEFAULT_SLICE_COLUMNS = ("partition", "intent", "language", "stratum")
RESULT_COLUMNS = [
    "candidate",
    "metric",
    "metric_type",
    "slice_key",
    "slice_value",
    "gating",
    "n",
    "n_clusters",
    "n_eff",
    "mean_a",
    "mean_b",
    "diff",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adj",
    "q_bh",
    "mde",
    "underpowered",
    "tolerance",
    "test",
    "effect_name",
    "effect",
    "corr_ab",
    "is_primary",
    "verdict",
    "note",
]


@dataclass
class MetricSpec:
    """How one metric is tested and judged.

    tolerance: the smallest change that matters, in metric units (a regression must lie wholly
    beyond it).  scale: the metric's range (1 for rates/[0,1] scores; 4 for a 1-5 judge), used
    only for the SE floor of cells with no observed variation.  gating=False: informational,
    reported but in no family and never blocking.
    """

    type: MetricType = "continuous"
    tolerance: float = 0.0
    higher_is_better: bool = True
    scale: float = 1.0
    gating: bool = True


@dataclass
class CompareConfig:
    """Comparison settings; `metrics` values may be MetricSpec, a dict of its fields, or a type string.

    q is the gate's α (two-sided; each family looks for regressions at α/2).  weight_column: per-
    example design weights (missing → 1).  strata_column: design strata for the SE (missing → one
    stratum).  min_gating_n / min_gating_clusters: a slice enters the gate family only with at
    least this many effective items (Kish n_eff) and units; smaller slices are reported, never gating.  mde_strata: the
    strata (values of strata_column) a regression is assumed to sit in when the MDE of a weighted
    binary row is stated (default None: every item); the design-weighted SE depends on where the
    change is, so a regression confined to heavily weighted strata needs a larger MDE.
    """

    baseline: str
    candidates: list[str] | None = None
    metrics: dict[str, MetricSpec | dict | str] = field(default_factory=dict)
    primary_metric: str | None = None
    q: float = 0.05
    confidence: float = 0.95
    slice_columns: list[str] | None = None
    cluster_column: str | None = None
    n_resamples: int = 10_000
    seed: int = 0
    golden_slice: tuple[str, str] = ("partition", "golden")
    golden_pass_metric: str | None = None
    min_n: int = 2
    block_on_slices: bool = True
    power: float = 0.80
    weight_column: str | None = None
    strata_column: str | None = None
    min_gating_n: int = 30
    min_gating_clusters: int = 30
    mde_strata: list[str] | None = None

    def spec(self, metric: str, values: np.ndarray | None = None) -> MetricSpec:
        s = self.metrics.get(metric)
        if isinstance(s, MetricSpec):
            return s
        if isinstance(s, dict):
            return MetricSpec(**s)
        if isinstance(s, str):
            return MetricSpec(type=s)  # type: ignore[arg-type]
        if values is not None:  # undeclared: infer binary from {0, 1} values
            v = values[np.isfinite(values)]
            if v.size and np.all((v == 0) | (v == 1)):
                return MetricSpec(type="binary")
        return MetricSpec()


# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Design:
    """The sampling design per item of `_Inputs.ex`: what every cell's SE, df and sign flips share."""

    weights: np.ndarray  # design weight per item (missing or not positive → 1)
    unit: np.ndarray  # unit (cluster) code per item; every item its own unit without clusters
    n_units: int
    unit_stratum: np.ndarray  # stratum code per unit: that of its first item
    mde_profile: np.ndarray  # 1 for items where the MDE's regression sits (`mde_strata`), else 0


@dataclass(frozen=True)
class _Inputs:
    """The long scores reshaped once for every candidate: per-example attributes, the wide
    (system, metric) x example table, the baseline's matrix, metric specs, slices and design."""

    ex: pd.DataFrame  # per-example attributes (slice and design columns), one row per example
    wide: pd.DataFrame  # (system, metric) x example_id mean values, columns aligned with ex
    metrics: list[str]
    specs: list[MetricSpec]  # one per metric, undeclared ones inferred from the baseline's values
    baseline: np.ndarray  # (items, metrics) baseline values
    slices: list[tuple[str, str, np.ndarray]]
    candidates: list[str]
    systems: set[str]
    design: _Design


def _prepare(scores: pd.DataFrame, config: CompareConfig) -> _Inputs:
    """Validate `scores` and build the inputs every candidate's comparison shares."""
    need = {"system", "example_id", "metric", "value"}
    missing = need - set(scores.columns)
    if missing:
        raise ValueError(f"scores lacks columns {sorted(missing)}")
    slice_cols = (
        list(config.slice_columns)
        if config.slice_columns is not None
        else [c for c in DEFAULT_SLICE_COLUMNS if c in scores.columns]
    )
    design_cols = [c for c in (config.cluster_column, config.weight_column, config.strata_column) if c]
    attr_cols = list(dict.fromkeys(slice_cols + design_cols))
    for c in attr_cols:
        if c not in scores.columns:
            raise ValueError(f"scores lacks column {c!r}")
    # Per-example attributes: prefer the baseline's rows, fall back to any system's.
    base_first = scores.assign(_b=(scores["system"] != config.baseline).astype(int)).sort_values(
        "_b", kind="stable"
    )
    ex = (
        base_first.groupby("example_id", sort=True)[attr_cols].first()
        if attr_cols
        else (pd.DataFrame(index=pd.Index(np.sort(scores["example_id"].unique()), name="example_id")))
    )
    wide = (
        scores.groupby(["system", "metric", "example_id"], sort=False)["value"]
        .mean()
        .unstack("example_id")
        .reindex(columns=ex.index)
    )
    metrics = list(config.metrics) + sorted(set(scores["metric"].unique()) - set(config.metrics))
    systems = set(scores["system"].unique())
    candidates = config.candidates or sorted(systems - {config.baseline})
    a_all = _matrix(wide, config.baseline, metrics, len(ex))
    return _Inputs(
        ex=ex,
        wide=wide,
        metrics=metrics,
        specs=[config.spec(m, a_all[:, j]) for j, m in enumerate(metrics)],
        baseline=a_all,
        slices=_slices(ex, slice_cols),
        candidates=candidates,
        systems=systems,
        design=_design(ex, config),
    )


def _design(ex: pd.DataFrame, config: CompareConfig) -> _Design:
    """Weights, units (clusters) and strata from the configured columns of `ex`."""
    n_items = len(ex)
    if config.weight_column:
        w_all = pd.to_numeric(ex[config.weight_column], errors="coerce").to_numpy(dtype=float)
        w_all = np.where(np.isfinite(w_all) & (w_all > 0), w_all, 1.0)
    else:
        w_all = np.ones(n_items)
    if config.cluster_column:
        cl = ex[config.cluster_column]
        cl = cl.where(cl.notna(), pd.Series(ex.index.astype(str), index=ex.index))
        _, uid = np.unique(cl.astype(str).to_numpy(), return_inverse=True)
    else:
        uid = np.arange(n_items)
    n_units = int(uid.max()) + 1 if n_items else 0
    if config.strata_column:
        st = ex[config.strata_column].astype(str).fillna("")
        _, hid = np.unique(st.to_numpy(), return_inverse=True)
    else:
        hid = np.zeros(n_items, dtype=int)
    # where the MDE's regression sits: items of `mde_strata` (default: every item)
    if config.mde_strata is not None and config.strata_column:
        in_mde = ex[config.strata_column].astype(str).isin([str(v) for v in config.mde_strata])
        prof_all = in_mde.to_numpy(dtype=float)
    else:
        prof_all = np.ones(n_items)
    unit_h = np.zeros(n_units, dtype=int)
    unit_h[uid[::-1]] = hid[::-1]  # a unit's stratum: that of its first item
    return _Design(weights=w_all, unit=uid, n_units=n_units, unit_stratum=unit_h, mde_profile=prof_all)


def _matrix(wide: pd.DataFrame, system: str, metrics: list[str], n: int) -> np.ndarray:
    out = np.full((n, len(metrics)), np.nan)
    for j, m in enumerate(metrics):
        if (system, m) in wide.index:
            out[:, j] = wide.loc[(system, m)].to_numpy(dtype=float)
    return out


def _slices(ex: pd.DataFrame, slice_cols: list[str]) -> list[tuple[str, str, np.ndarray]]:
    """'all' plus one slice per value of each slice column; a slice whose item set equals an
    earlier one (e.g. stratum=golden, filled from partition=golden) is a duplicate and dropped."""
    out = [("all", "all", np.ones(len(ex), dtype=bool))]
    seen = {out[0][2].tobytes()}
    for col in slice_cols:
        vals = ex[col]
        for v in sorted(vals.dropna().unique(), key=str):
            mask = (vals == v).to_numpy()
            key = mask.tobytes()
            if key in seen:
                continue
            seen.add(key)
            out.append((col, str(v), mask))
    return out


def _strat_groups(h: np.ndarray) -> np.ndarray:
    """Variance groups of units with stratum codes h: the strata, with every stratum holding one
    unit pooled into one collapsed group (code −1)."""
    _, inv, cnt = np.unique(h, return_inverse=True, return_counts=True)
    return np.where(cnt[inv] < 2, -1, inv)


def _strat_var_parts(z: np.ndarray, hh: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Per variance group g (codes from `_strat_groups`): C_g/(C_g − 1)·Σ_{c∈g}(z_c − z̄_g)² (a lone
    unit left over is centred at 0, conservatively).  Returns (codes, parts, groups with ≥ 2)."""
    codes = np.unique(hh)
    parts = np.zeros(codes.size)
    n_strata = 0
    for k, code in enumerate(codes):
        zz = z[hh == code]
        if zz.size >= 2:
            parts[k] = zz.size / (zz.size - 1) * float(np.sum((zz - zz.mean()) ** 2))
            n_strata += 1
        else:
            parts[k] = float(np.sum(zz**2))
    return codes, parts, n_strata


def _strat_var(z: np.ndarray, h: np.ndarray) -> tuple[float, int]:
    """Σ_h C_h/(C_h − 1)·Σ_{c∈h}(z_c − z̄_h)² over present units z (stratum codes h); strata with
    one unit are pooled into one collapsed stratum (a lone unit left over is centred at 0,
    conservatively).  Returns (variance, number of strata used)."""
    if z.size == 0:
        return float("nan"), 0
    _, parts, n_strata = _strat_var_parts(z, _strat_groups(h))
    return float(parts.sum()), max(n_strata, 1)


def _binary_alt_var(
    parts: np.ndarray, psi: np.ndarray, delta: np.ndarray, w2: np.ndarray, x: np.ndarray
) -> float:
    """Variance of a design-weighted paired difference of 0/1 outcomes when variance group g has
    a true change of size x_g (its own SE part scaled, group by group).

    Within a group sd(d)² = ψ − Δ² (STATISTICS.md), taken at the alternative: a shift keeps the
    product of the discordant cells, ψ(x) = √(ψ̂² − Δ̂² + x²).  Why per group: with design weights
    the variance sits in the few heavily weighted strata, so a regression there inflates the SE
    far more than the pooled discordance rate says.  A group with no observed discordance gets
    its units' Σ(W_c/W)² × (x − x²) (every changed item is a new discordant pair)."""
    v0 = psi - delta**2
    v1 = np.sqrt(np.maximum(psi**2 - delta**2, 0.0) + x**2) - x**2
    ok = (v0 > 1e-12) & (parts > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        alt = np.where(ok, parts * v1 / np.where(ok, v0, 1.0), w2 * np.maximum(v1, 0.0))
    return float(np.sum(alt))


@dataclass(frozen=True)
class _AltGroups:
    """Per variance group of one weighted or clustered binary cell, what its MDE needs."""

    parts: np.ndarray  # the group's part of SE²
    psi: np.ndarray  # weighted discordance ψ_g
    delta: np.ndarray  # weighted difference Δ_g
    w2: np.ndarray  # Σ(W_c/W)² over its units
    share: np.ndarray  # its share of the design weight
    profile: np.ndarray  # weighted share of its items where the declared regression sits


def _alt_groups(
    codes: np.ndarray,
    parts: np.ndarray,
    hh: np.ndarray,
    uid: np.ndarray,
    present: np.ndarray,
    wj: np.ndarray,
    d: np.ndarray,
    big_w: float,
    prof_all: np.ndarray,
) -> _AltGroups:
    """Per variance group of one binary cell: its SE part, weighted discordance ψ_g and difference
    Δ_g, Σ(W_c/W)², design-weight share, and the MDE profile (weighted share of its items where the
    declared regression sits)."""
    g_of_unit = np.full(present.size, -2)
    g_of_unit[np.flatnonzero(present)] = hh
    g_item = g_of_unit[uid]
    wu = np.bincount(uid, weights=wj, minlength=present.size)
    psi, delta, w2, share, profile = (np.zeros(codes.size) for _ in range(5))
    for k, code in enumerate(codes):
        it = (g_item == code) & (wj > 0)
        wg = wj[it].sum()
        if not wg > 0:
            continue
        psi[k] = float(np.sum(wj[it] * np.abs(d[it])) / wg)
        delta[k] = float(np.sum(wj[it] * d[it]) / wg)
        w2[k] = float(np.sum((wu[np.flatnonzero(present)[hh == code]] / big_w) ** 2))
        share[k] = float(wg / big_w)
        profile[k] = float(np.sum(wj[it] * prof_all[it]) / wg)
    return _AltGroups(parts=parts, psi=psi, delta=delta, w2=w2, share=share, profile=profile)


def _binary_mde_strat(alt: _AltGroups, tol: float, k: float) -> float:
    """MDE δ = tol + k·SE_alt(δ) of a binary row for the regression profile in `alt` (share of the
    design weight each group carries, relative size of its change); returns SE at the MDE."""
    share, prof = alt.share, alt.profile
    reach = float(np.sum(share * prof))  # design-weighted change per unit of x
    if not reach > 0:
        share, prof, reach = alt.share, np.ones_like(alt.share), 1.0
    se0 = np.sqrt(max(_binary_alt_var(alt.parts, alt.psi, alt.delta, alt.w2, 0 * prof), 0.0))
    d_ = tol + k * se0
    for _ in range(40):
        x = np.minimum(d_ / reach * prof, 1.0)
        se = np.sqrt(max(_binary_alt_var(alt.parts, alt.psi, alt.delta, alt.w2, x), 0.0))
        d_new = min(tol + k * se, 1.0)
        if abs(d_new - d_) < 1e-9:
            d_ = d_new
            break
        d_ = d_new
    return float((d_ - tol) / k)


def _verdict(
    n: int, p_dec: float, p_raw: float, lo_o: float, hi_o: float, tol: float, alpha: float, min_n: int
) -> tuple[str, str]:
    if n < min_n or not (np.isfinite(p_raw) and np.isfinite(lo_o) and np.isfinite(hi_o)):
        return "untestable", f"n={n} < {min_n} pairs" if n < min_n else "no test possible"
    if hi_o < -tol and np.isfinite(p_dec) and p_dec < alpha:
        return "regression", ""
    if lo_o > tol and p_raw < alpha:
        return "improvement", ""
    if -tol < lo_o and hi_o < tol:
        if lo_o > 0 or hi_o < 0:
            return "trivial", "CI inside ±tolerance, excludes 0"
        return "no_change", "CI inside ±tolerance (equivalence)"
    return "inconclusive", "CI crosses a tolerance bound"


def _agresti_min(b: float, c: float, n: float, z: float) -> tuple[float, float]:
    """Agresti–Min (2005) interval for a paired difference of proportions: add ½ to each cell."""
    b2, c2, n2 = b + 0.5, c + 0.5, n + 2.0
    d = (c2 - b2) / n2
    se = np.sqrt(max((b2 + c2) / n2 - d**2, 0.0) / n2)
    return max(-1.0, d - z * se), min(1.0, d + z * se)


def _binary_mde_se(se0: float, psi: float, delta: float, tol: float, k: float) -> float:
    """SE at the binary MDE.  sd(d)² = ψ − Δ² is taken at the alternative, not at
    the observed Δ: a shift keeps b·c (the discordant cells' product) about constant, so
    ψ(δ) = √(ψ̂² − Δ̂² + δ²).  Solves δ = tol + k·SE(δ) by fixed point; returns SE(δ)."""
    v0 = max(psi - delta**2, 1e-12)
    bc4 = max(psi**2 - delta**2, 0.0)
    d_ = tol + k * se0
    for _ in range(30):
        v = max(np.sqrt(bc4 + d_**2) - d_**2, 1e-12)
        d_ = min(tol + k * se0 * np.sqrt(v / v0), 1.0)
    return (d_ - tol) / k


def _signs(rng: np.random.Generator, size: int, n_units: int) -> np.ndarray:
    return (rng.integers(0, 2, size=(size, n_units), dtype=np.int8) * 2 - 1).astype(np.float32)


def _maxt_stepdown(t_obs: np.ndarray, t_star: np.ndarray) -> np.ndarray:
    """Westfall–Young step-down max-T adjusted one-sided p (large t = evidence); t_star (B, K)."""
    k = t_obs.size
    if k == 0:
        return np.zeros(0)
    order = np.argsort(-t_obs, kind="stable")
    ts = t_star[:, order]
    succ_max = np.maximum.accumulate(ts[:, ::-1], axis=1)[:, ::-1]
    tol = 1e-5 * np.maximum(1.0, np.abs(t_obs[order]))  # float32 resamples: keep ties
    p = (1.0 + (succ_max >= t_obs[order] - tol).sum(0)) / (t_star.shape[0] + 1.0)
    p = np.maximum.accumulate(p)
    out = np.empty(k)
    out[order] = np.minimum(p, 1.0)
    return out


@dataclass(frozen=True)
class _Critical:
    """The quantiles every row's decision uses, fixed by the config."""

    alpha: float  # the gate's α (two-sided)
    z: float  # normal quantile of the CI
    z_pow: float  # z_power: MDE = tolerance + (q + z_pow)·SE
    z_eq: float  # z_{(1+power)/2}: underpowered when tolerance < (q + z_eq)·SE

    @classmethod
    def of(cls, config: CompareConfig) -> _Critical:
        return cls(
            alpha=float(config.q),
            z=float(stats.norm.ppf(0.5 + config.confidence / 2)),
            z_pow=float(stats.norm.ppf(config.power)),
            z_eq=float(stats.norm.ppf((1 + config.power) / 2)),
        )


@dataclass
class _Cell:
    """One candidate x metric x slice estimate: the row's own columns (the fields named in
    RESULT_COLUMNS), and what the shared sign flips and the MDE need from it."""

    candidate: str
    metric: str
    metric_type: str
    slice_key: str
    slice_value: str
    n: int
    tolerance: float
    is_primary: bool
    effect_name: str
    unit_totals: np.ndarray  # Σ_{i∈c} w_i d_i per unit: this cell's column of the sign flips
    corr_ab: float = np.nan
    effect: float = np.nan
    n_clusters: int = 0
    n_eff: float = 0.0
    mean_a: float = np.nan
    mean_b: float = np.nan
    diff: float = np.nan
    se: float = np.nan
    ci_low: float = np.nan
    ci_high: float = np.nan
    test: str = "none"
    p_closed: float | None = None  # McNemar's mid-p; None: the p comes from the sign flips
    sd_perm: float = 0.0  # SD of the sign-flip total, √Σ unit_totals²
    se_mde: float = np.nan  # the SE the MDE starts from
    tq: float | None = None  # quantile of the row's CI (None: z)
    psi: tuple[float, float] | None = None  # binary: weighted discordance ψ and difference Δ
    alt: _AltGroups | None = None  # weighted or clustered binary: the MDE group by group


_CELL_COLUMNS = tuple(f.name for f in fields(_Cell) if f.name in RESULT_COLUMNS)


@dataclass(frozen=True)
class _Variance:
    """The stratified linearisation variance of one cell's d̄_w and its df (module docstring)."""

    present: np.ndarray  # units holding at least one paired item
    n_units: int  # how many
    multi: bool  # some unit holds more than one paired item
    groups: np.ndarray  # variance-group code per present unit (`_strat_groups`)
    codes: np.ndarray  # the group codes, as `_strat_var_parts` returns them
    parts: np.ndarray  # each group's part of SE²
    se: float
    df: float


def _variance(dsg: _Design, ok: np.ndarray, wj: np.ndarray, d: np.ndarray, diff: float) -> _Variance:
    """SE over units, strata = the design strata; df = min(units − strata, Satterthwaite df of the
    unit weights, stratified Satterthwaite df of the variance estimate)."""
    uid, n_units = dsg.unit, dsg.n_units
    big_w = wj.sum()
    cnt_u = np.bincount(uid, weights=ok.astype(float), minlength=n_units)
    present = cnt_u > 0
    n_cl = int(present.sum())
    multi = bool((cnt_u > 1).any())
    zc = np.bincount(uid, weights=wj * (d - diff), minlength=n_units)[present] / big_w
    hh = _strat_groups(dsg.unit_stratum[present])
    g_codes, g_parts, n_strata = _strat_var_parts(zc, hh)
    var, n_strata = float(g_parts.sum()), max(n_strata, 1)
    se = float(np.sqrt(var)) if n_cl >= 2 else np.nan
    # Satterthwaite df of the weighted variance: (Σ W_c²)²/Σ W_c⁴ over unit weights W_c,
    # = units for equal weights, far fewer when a few heavy units dominate.
    wu = np.bincount(uid, weights=wj, minlength=n_units)[present]
    df_sat = float(np.sum(wu**2) ** 2 / np.sum(wu**4)) if n_cl else 1.0
    # ... and the stratified Satterthwaite df of the variance estimate itself,
    # (Σ_g V_g)² / Σ_g V_g²/(C_g − 1): a slice cutting across the strata leaves few
    # units in each, and each stratum spends one df on its own mean.
    c_g = np.array([np.sum(hh == code) for code in g_codes], dtype=float)
    use = c_g >= 2
    den = float(np.sum(g_parts[use] ** 2 / (c_g[use] - 1.0)))
    df_str = float(g_parts.sum() ** 2 / den) if den > 0 else df_sat
    df_t = max(min(n_cl - n_strata, df_sat, df_str), 1.0)
    return _Variance(present, n_cl, multi, hh, g_codes, g_parts, se, df_t)


def _estimate_cell(
    cand: str,
    metric: str,
    spec: MetricSpec,
    slice_: tuple[str, str, np.ndarray],
    a: np.ndarray,
    b: np.ndarray,
    dsg: _Design,
    config: CompareConfig,
    z: float,
) -> _Cell:
    """Effect, SE, df, CI and test of one cell over the items both systems scored (pairing)."""
    skey, sval, mask = slice_
    ok = mask & np.isfinite(a) & np.isfinite(b)
    n = int(ok.sum())
    wj = np.where(ok, dsg.weights, 0.0)
    d = np.where(ok, b - a, 0.0)
    big_w = wj.sum()
    cell = _Cell(
        candidate=cand,
        metric=metric,
        metric_type=spec.type,
        slice_key=skey,
        slice_value=sval,
        n=n,
        tolerance=spec.tolerance,
        is_primary=metric == config.primary_metric,
        effect_name="odds_ratio" if spec.type == "binary" else "d_z",
        unit_totals=np.bincount(dsg.unit, weights=wj * d, minlength=dsg.n_units),
    )
    if n == 0:
        return cell
    diff = float((wj * d).sum() / big_w)
    n_eff = float(big_w**2 / (wj**2).sum())
    var = _variance(dsg, ok, wj, d, diff)
    wv = dsg.weights[ok]
    weighted = bool(wv.max() > wv.min() * (1 + 1e-9))
    tq = float(stats.t.ppf(0.5 + config.confidence / 2, var.df))
    cell.n_clusters, cell.n_eff, cell.diff, cell.se, cell.tq = var.n_units, n_eff, diff, var.se, tq
    cell.ci_low, cell.ci_high = diff - tq * var.se, diff + tq * var.se
    cell.mean_a = float((wj * np.where(ok, a, 0)).sum() / big_w)
    cell.mean_b = float((wj * np.where(ok, b, 0)).sum() / big_w)
    aa, bb = a[ok], b[ok]
    if n > 2 and aa.std() > 0 and bb.std() > 0:
        cell.corr_ab = float(np.corrcoef(aa, bb)[0, 1])
    cell.sd_perm = float(np.sqrt(np.sum(cell.unit_totals**2)))
    cell.se_mde = var.se
    design = ("_cluster" if var.multi else "") + ("_weighted" if weighted else "")
    if spec.type == "binary":
        _binary_test(cell, aa, bb, var, weighted, z, design)
        cell.psi = (float(np.sum(wj * np.abs(d)) / big_w), diff)
        if weighted or var.multi:  # the MDE from the SE parts of the variance groups
            cell.alt = _alt_groups(
                var.codes, var.parts, var.groups, dsg.unit, var.present, wj, d, big_w, dsg.mde_profile
            )
    else:
        cell.test = "signflip_mean" + design
        sdw = float(np.sqrt(np.sum(wj * (d - diff) ** 2) / big_w))
        if sdw > 0:
            cell.effect = diff / sdw
    if not (np.nan_to_num(cell.se_mde, nan=0.0) > 0):
        cell.se_mde = spec.scale * np.sqrt(3.0) / max(n_eff, 1.0)
    return cell


def _binary_test(
    cell: _Cell, aa: np.ndarray, bb: np.ndarray, var: _Variance, weighted: bool, z: float, design: str
) -> None:
    """Binary cell: odds ratio of the discordant pairs; McNemar mid-p with the Agresti–Min interval
    when weights are equal and no unit holds two items, else the sign flips (`design` names which:
    _cluster, _weighted), with Agresti–Min on the effective counts when no pair is discordant."""
    pa_, pb_ = aa >= 0.5, bb >= 0.5
    bc, cc = int(np.sum(pa_ & ~pb_)), int(np.sum(~pa_ & pb_))
    cell.effect = cc / bc if bc > 0 else (np.inf if cc > 0 else np.nan)
    if not weighted and not var.multi:
        n = cell.n
        cell.p_closed = float(mcnemar_midp_vec(np.array([bc]), np.array([cc]))[0])
        cell.ci_low, cell.ci_high = _agresti_min(bc, cc, n, z)
        cell.tq = z
        psi, delta = (bc + cc) / n, (cc - bc) / n
        cell.se = float(np.sqrt(max(psi - delta**2, 0.0) / n))
        cell.se_mde = cell.se
        cell.test = "mcnemar_midp"
    else:
        cell.test = "signflip" + design
        if not cell.se > 0:  # no discordant pair: Agresti–Min on the effective counts
            cell.ci_low, cell.ci_high = _agresti_min(0.0, 0.0, cell.n_eff, z)


def _gate_family(
    cells: list[_Cell], specs: list[MetricSpec], config: CompareConfig
) -> tuple[np.ndarray, np.ndarray]:
    """(gating, family): gating rows are those of gating metrics in {all, partitions} or in
    slices big enough to gate; the family is the gating rows but the primary metric's overall
    row, which is tested alone."""
    part_key = config.golden_slice[0]
    gating = np.zeros(len(cells), dtype=bool)
    fam = np.zeros(len(cells), dtype=bool)
    for k, (c, sp) in enumerate(zip(cells, specs, strict=True)):
        structural = c.slice_key in ("all", part_key)
        # "enough items" is Kish's effective n: a 46-item slice whose weight sits on 3 heavy
        # items is a 12-item sample (its t interval has ~2 df and covers ~99%, not 95%).
        big_enough = c.n_eff >= config.min_gating_n and c.n_clusters >= config.min_gating_clusters
        in_scope = structural or (config.block_on_slices and big_enough)
        gating[k] = sp.gating and in_scope and c.n >= config.min_n
        fam[k] = gating[k] and not (c.is_primary and c.slice_key == "all")
    return gating, fam


def _sign_flips(
    cells: list[_Cell],
    sign: np.ndarray,
    fam_idx: np.ndarray,
    n_units: int,
    config: CompareConfig,
    stream: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One (B x units) Rademacher matrix shared by every cell and metric of a candidate.

    Returns each cell's two-sided sign-flip p, and for the family its observed "worse" statistics
    and their (B, family) resampled values, for the max-T step-down."""
    k_all = len(cells)
    s_mat = np.ascontiguousarray(np.stack([c.unit_totals for c in cells], axis=1), dtype=np.float32)  # (U, K)
    t_obs = np.array([float(c.unit_totals.sum()) for c in cells])
    sd_perm = np.array([c.sd_perm for c in cells])
    with np.errstate(invalid="ignore", divide="ignore"):
        t_worse = np.where(sd_perm > 0, -sign * t_obs / sd_perm, 0.0)
    exceed = np.zeros(k_all)
    t_star_fam = np.empty((int(config.n_resamples), fam_idx.size), dtype=np.float32)
    rng = np.random.default_rng(np.random.SeedSequence([config.seed, stream]))
    bsz, chunk = int(config.n_resamples), 1000
    scale_fam = np.where(sd_perm[fam_idx] > 0, -sign[fam_idx] / np.maximum(sd_perm[fam_idx], 1e-300), 0.0)
    abs_obs = np.abs(t_obs) * (1 - 1e-5) - 1e-9  # float32 products: ties must stay ties
    for start in range(0, bsz, chunk):
        size = min(chunk, bsz - start)
        tstar = _signs(rng, size, n_units) @ s_mat  # (size, K)
        exceed += (np.abs(tstar) >= abs_obs).sum(0)
        t_star_fam[start : start + size] = tstar[:, fam_idx] * scale_fam
    p_perm = (1.0 + exceed) / (bsz + 1.0)
    return p_perm, t_worse[fam_idx], t_star_fam


@dataclass(frozen=True)
class _PValues:
    raw: np.ndarray  # the row's own test
    adj: np.ndarray  # gating rows: max-T step-down in the family, raw for the primary row alone
    q_bh: np.ndarray  # BH over every non-informational row, for exploration


def _p_values(
    cells: list[_Cell],
    specs: list[MetricSpec],
    gating: np.ndarray,
    fam: np.ndarray,
    config: CompareConfig,
    stream: int,
    n_units: int,
) -> _PValues:
    """Raw, family-adjusted and BH p-values of one candidate's cells (the sign flips shared)."""
    sign = np.array([1.0 if sp.higher_is_better else -1.0 for sp in specs])
    fam_idx = np.flatnonzero(fam)
    p_perm, t_worse_fam, t_star_fam = _sign_flips(cells, sign, fam_idx, n_units, config, stream)
    k_all = len(cells)
    p_raw = np.empty(k_all)
    for k, c in enumerate(cells):
        if c.n < config.min_n or c.n == 0:
            p_raw[k] = np.nan
        elif c.p_closed is not None:
            p_raw[k] = c.p_closed
        elif c.sd_perm == 0:
            p_raw[k] = 1.0
        else:  # no sign-flip test over C units can be surer than 2·½^C
            p_raw[k] = max(p_perm[k], min(1.0, 2.0 * 0.5**c.n_clusters))
    p_adj = np.full(k_all, np.nan)
    if fam_idx.size:
        p_adj[fam_idx] = np.minimum(1.0, 2.0 * _maxt_stepdown(t_worse_fam, t_star_fam))
    prim = gating & ~fam
    p_adj[prim] = p_raw[prim]
    q_bh = np.full(k_all, np.nan)
    explore = np.array([sp.gating for sp in specs], dtype=bool)
    q_bh[explore] = benjamini_hochberg(p_raw[explore])
    return _PValues(raw=p_raw, adj=p_adj, q_bh=q_bh)


def _mde(c: _Cell, spec: MetricSpec, crit: _Critical, min_n: int) -> tuple[float, bool]:
    """(mde, underpowered) of a row, at the quantile of its own CI, so that the MDE is that of the
    rule actually applied."""
    se_mde = c.se_mde
    tq_c = c.tq if c.tq is not None else crit.z
    k_mde, k_eq = tq_c + crit.z_pow, tq_c + crit.z_eq
    if c.alt is not None and np.isfinite(c.se) and c.se > 0:
        se_mde = _binary_mde_strat(c.alt, spec.tolerance, k_mde)
    elif c.psi is not None and np.isfinite(se_mde):
        se_mde = _binary_mde_se(se_mde, *c.psi, spec.tolerance, k_mde)
    mde = np.nan if c.n < min_n else spec.tolerance + k_mde * se_mde
    return mde, bool(c.n < min_n or not spec.tolerance > k_eq * se_mde)


def _scope_note(
    note: str, c: _Cell, spec: MetricSpec, gating: bool, primary_alone: bool, config: CompareConfig
) -> str:
    """The verdict's note, plus why the row is (not) in the gate family."""
    if primary_alone:
        extra = "primary: unadjusted test at α"
    elif not gating and spec.gating and c.n >= config.min_n:
        extra = f"below gating size (effective n≥{config.min_gating_n}, units≥{config.min_gating_clusters})"
    elif not spec.gating:
        extra = "informational"
    else:
        return note
    return (note + "; " if note else "") + extra


def _candidate_frame(
    cells: list[_Cell], inp: _Inputs, config: CompareConfig, crit: _Critical, stream: int
) -> pd.DataFrame:
    """Gate family, p-values, verdicts, MDEs and notes of one candidate's cells, as rows."""
    specs = [inp.specs[inp.metrics.index(c.metric)] for c in cells]
    gating, fam = _gate_family(cells, specs, config)
    p = _p_values(cells, specs, gating, fam, config, stream, inp.design.n_units)
    prim = gating & ~fam
    rows = []
    for k, (c, sp) in enumerate(zip(cells, specs, strict=True)):
        s = 1.0 if sp.higher_is_better else -1.0
        lo_o, hi_o = sorted((s * c.ci_low, s * c.ci_high))
        p_dec = p.adj[k] if gating[k] else p.raw[k]
        v, note = _verdict(c.n, p_dec, p.raw[k], lo_o, hi_o, sp.tolerance, crit.alpha, config.min_n)
        mde, underpowered = _mde(c, sp, crit, config.min_n)
        row: dict[str, object] = {name: getattr(c, name) for name in _CELL_COLUMNS}
        row.update(
            gating=bool(gating[k]),
            p_value=p.raw[k],
            p_adj=p.adj[k],
            q_bh=p.q_bh[k],
            mde=mde,
            underpowered=underpowered,
            verdict=v,
            note=_scope_note(note, c, sp, bool(gating[k]), bool(prim[k]), config),
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def compare_systems(scores: pd.DataFrame, config: CompareConfig) -> pd.DataFrame:
    """Tidy comparison of each candidate against the baseline, per metric x slice (plus 'all').

    `scores`: long DataFrame with columns system, example_id, metric, value, the slice columns
    (default: whichever of partition/intent/language/stratum exist) and optionally the cluster,
    weight and strata columns named in `config`.  Duplicate (system, example, metric) rows are
    averaged; NaN values (errors) are missing.  Only examples scored by both systems enter a
    metric's cell (pairing).  See the module docstring for tests, families and verdicts.
    """
    inp = _prepare(scores, config)
    crit = _Critical.of(config)
    frames = []
    for stream, cand in enumerate(inp.candidates):  # the candidate's index seeds its sign flips
        if cand not in inp.systems:
            continue
        b_all = _matrix(inp.wide, cand, inp.metrics, len(inp.ex))
        cells = [
            _estimate_cell(
                cand, m, inp.specs[j], sl, inp.baseline[:, j], b_all[:, j], inp.design, config, crit.z
            )
            for sl in inp.slices
            for j, m in enumerate(inp.metrics)
        ]
        frames.append(_candidate_frame(cells, inp, config, crit, stream))
    if not frames:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------------------------
@dataclass
class GoldenCheck:
    """Every golden item, with the reason it fails (if it does)."""

    n_items: int
    failures: dict[str, list[str]]  # reason -> example ids

    @property
    def n_failed(self) -> int:
        return sum(len(v) for v in self.failures.values())

    def reasons(self, metric: str, max_ids: int = 10) -> list[str]:
        out = []
        for why, ids in self.failures.items():
            if ids:
                shown = ", ".join(map(str, ids[:max_ids])) + (" …" if len(ids) > max_ids else "")
                out.append(f"golden: {len(ids)} of {self.n_items} items {why} on {metric}: {shown}")
        return out


def golden_check(
    scores: pd.DataFrame,
    config: CompareConfig,
    candidate: str,
    golden_ids: list | None = None,
) -> GoldenCheck:
    """Golden gate on all golden items: pass requires a candidate score ≥ 0.5 on
    `golden_pass_metric` and a baseline score.  An error (row with `error` set or a NaN value),
    a missing candidate output or a missing baseline score is a failure, counted and named.

    golden_ids: the golden items the dataset holds (default: examples tagged golden in `scores`).
    """
    metric = config.golden_pass_metric
    gk, gv = config.golden_slice
    if golden_ids is None:
        golden_ids = (
            sorted(scores.loc[scores[gk] == gv, "example_id"].unique(), key=str) if gk in scores else []
        )
    ids = list(dict.fromkeys(golden_ids))
    s = scores[scores["metric"] == metric]
    has_err = s["error"].notna() if "error" in s else pd.Series(False, index=s.index)
    bad = has_err | s["value"].isna()

    def per_system(system: str) -> tuple[pd.Series, set]:
        rows = s[s["system"] == system]
        errs = set(rows.loc[bad[rows.index], "example_id"])
        vals = rows.loc[~bad[rows.index]].groupby("example_id")["value"].mean()
        return vals, errs

    cand_v, cand_err = per_system(candidate)
    base_v, _ = per_system(config.baseline)
    fail: dict[str, list[str]] = {
        "failed": [],
        "with an error": [],
        "with no output": [],
        "without a baseline score": [],
    }
    for e in ids:
        if e in cand_err and e not in cand_v.index:
            fail["with an error"].append(e)
        elif e not in cand_v.index:
            fail["with no output"].append(e)
        elif not cand_v[e] >= 0.5:
            fail["failed"].append(e)
        elif e not in base_v.index:
            fail["without a baseline score"].append(e)
    return GoldenCheck(len(ids), fail)


@dataclass
class GateDecision:
    candidate: str
    decision: Literal["block", "proceed", "undecided"]
    reasons: list[str]

    def as_dict(self) -> dict:
        return {"candidate": self.candidate, "decision": self.decision, "reasons": list(self.reasons)}


def gate_decision(
    comparison: pd.DataFrame,
    config: CompareConfig,
    candidate: str | None = None,
    scores: pd.DataFrame | None = None,
    golden_ids: list | None = None,
) -> GateDecision:
    """Release gate for one candidate: block > undecided > proceed.

    block: a golden failure (with `scores`: every golden item checked, errors and missing scores
    included; without: the golden row's pass rate); the primary metric's overall row or any
    gate-family row with verdict `regression`.
    undecided: no rows; no golden items; a declared gating metric absent; the primary metric
    missing, `untestable` or `inconclusive` (its CI and MDE are quoted).
    """
    if candidate is None:
        cands = comparison["candidate"].unique() if len(comparison) else []
        if len(cands) > 1:
            raise ValueError("several candidates: pass candidate=")
        candidate = str(cands[0]) if len(cands) else (config.candidates or ["?"])[0]
    df = comparison[comparison["candidate"] == candidate] if len(comparison) else comparison
    block: list[str] = []
    undecided: list[str] = []
    if len(df) == 0:
        return GateDecision(candidate, "undecided", ["no comparison rows for this candidate"])
    if config.golden_pass_metric:
        gk, gv = config.golden_slice
        if scores is not None:
            gc = golden_check(scores, config, candidate, golden_ids)
            if gc.n_items == 0:
                undecided.append(f"golden partition {gk}={gv} has no items")
            block += gc.reasons(config.golden_pass_metric)
        else:
            g = df[
                (df["slice_key"] == gk)
                & (df["slice_value"] == gv)
                & (df["metric"] == config.golden_pass_metric)
            ]
            if g.empty or int(g["n"].iloc[0]) == 0:
                undecided.append(
                    f"golden partition {gk}={gv} has no paired '{config.golden_pass_metric}' data"
                )
            elif not float(g["mean_b"].iloc[0]) >= 1.0:
                block.append(
                    f"golden partition: {config.golden_pass_metric} pass rate "
                    f"{float(g['mean_b'].iloc[0]):.2%} < 100% (n={int(g['n'].iloc[0])})"
                )
    gating = df[df["gating"].astype(bool)] if "gating" in df else df
    for r in gating[gating["verdict"] == "regression"].itertuples():
        block.append(
            f"regression: {r.metric} [{r.slice_key}={r.slice_value}] diff {r.diff:+.4g} "
            f"CI [{r.ci_low:.4g}, {r.ci_high:.4g}] p {r.p_value:.3g}, p_adj {r.p_adj:.3g} "
            f"({r.test}, n={r.n}, units={r.n_clusters}, n_eff={r.n_eff:.0f})"
        )
    present = set(df["metric"].unique())
    for m in config.metrics:
        if m not in present and config.spec(m).gating:
            undecided.append(f"metric {m} missing from the comparison")
    if config.primary_metric:
        pr = df[(df["metric"] == config.primary_metric) & (df["slice_key"] == "all")]
        if pr.empty or int(pr["n"].iloc[0]) < config.min_n:
            undecided.append(f"primary metric {config.primary_metric}: missing or too few pairs")
        elif pr["verdict"].iloc[0] in ("inconclusive", "untestable"):
            r = pr.iloc[0]
            undecided.append(
                f"primary metric {config.primary_metric} {r['verdict']}: diff {r['diff']:+.4g}, "
                f"CI [{r['ci_low']:.4g}, {r['ci_high']:.4g}] crosses ±{r['tolerance']:.4g}; "
                f"p {r['p_value']:.3g} (unadjusted), MDE {r['mde']:.4g}"
            )
    if block:
        return GateDecision(candidate, "block", block + undecided)
    if undecided:
        return GateDecision(candidate, "undecided", undecided)
    return GateDecision(candidate, "proceed", ["no regression; primary metric within tolerance or better"])
