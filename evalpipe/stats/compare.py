"""Baseline-vs-candidate comparison report and the release gate (STATISTICS.md, "Verdict rules").

`compare_systems` turns a long table of per-example scores into one tidy row per
candidate x metric x slice; `gate_decision` reads those rows and says block / proceed / undecided
with reasons.  Tests by metric type:

- binary     → McNemar mid-p, paired Wald CI Δ ± z·sqrt(ψ − Δ²)/√n (clustered Wald z when clusters).
- continuous → paired BCa bootstrap (items, or clusters), all metrics of a slice in one matmul.
- ordinal    → Wilcoxon signed-rank (Pratt, approx) with rank-biserial r; CI for the mean
               difference from the (clustered) normal approximation.  With clusters, Wilcoxon runs
               on per-cluster mean differences so that the test's independence holds.

Small-slice behaviour (never raises): every p except McNemar's exact mid-p is floored at 2·½^units
(units = items or clusters), the smallest p an exact sign-flip test can give.  A cell with fewer than `min_n` pairs gets p = NaN and
verdict `underpowered`; b + c = 0 gives p = 1; all-identical differences give a degenerate CI
[d̄, d̄] and a sign-test p.  Where the observed SE_pair is 0 (no discordant pair, or identical
differences), the MDE uses scale·√3/n instead (the rule-of-three 95% bound on the share of items
that differ), so a slice with no observed disagreement is not mistaken for a precise one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from evalpipe.stats.intervals import clustered_se_from_arrays
from evalpipe.stats.paired import benjamini_hochberg, bootstrap_bca_mean, mcnemar_midp_vec, wilcoxon_pratt
from evalpipe.stats.power import mde as mde_fn

MetricType = Literal["binary", "continuous", "ordinal"]
VERDICTS = ("regression", "improvement", "no_change", "trivial", "underpowered")
DEFAULT_SLICE_COLUMNS = ("partition", "intent", "language", "stratum")
RESULT_COLUMNS = [
    "candidate",
    "metric",
    "metric_type",
    "slice_key",
    "slice_value",
    "n",
    "n_clusters",
    "mean_a",
    "mean_b",
    "diff",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adj",
    "mde",
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
    only for the MDE floor of slices with no observed variation.
    """

    type: MetricType = "continuous"
    tolerance: float = 0.0
    higher_is_better: bool = True
    scale: float = 1.0


@dataclass
class CompareConfig:
    """Comparison settings; `metrics` values may be MetricSpec, a dict of its fields, or a type string."""

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
def _prepare(scores: pd.DataFrame, config: CompareConfig):
    need = {"system", "example_id", "metric", "value"}
    missing = need - set(scores.columns)
    if missing:
        raise ValueError(f"scores lacks columns {sorted(missing)}")
    slice_cols = (
        list(config.slice_columns)
        if config.slice_columns is not None
        else [c for c in DEFAULT_SLICE_COLUMNS if c in scores.columns]
    )
    attr_cols = slice_cols + ([config.cluster_column] if config.cluster_column else [])
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
    return ex, wide, metrics, slice_cols, candidates, systems


def _matrix(wide: pd.DataFrame, system: str, metrics: list[str], n: int) -> np.ndarray:
    out = np.full((n, len(metrics)), np.nan)
    for j, m in enumerate(metrics):
        if (system, m) in wide.index:
            out[:, j] = wide.loc[(system, m)].to_numpy(dtype=float)
    return out


def _slices(ex: pd.DataFrame, slice_cols: list[str]) -> list[tuple[str, str, np.ndarray]]:
    out = [("all", "all", np.ones(len(ex), dtype=bool))]
    for col in slice_cols:
        vals = ex[col]
        for v in sorted(vals.dropna().unique(), key=str):
            out.append((col, str(v), (vals == v).to_numpy()))
    return out


def _verdict(
    n: int, p_adj: float, od: float, olo: float, ohi: float, mde: float, tol: float, q: float, min_n: int
) -> tuple[str, str]:
    if n < min_n or not np.isfinite(p_adj):
        return "underpowered", f"n={n} < {min_n} pairs" if n < min_n else "no test possible"
    if p_adj < q:
        if ohi < -tol:
            return "regression", ""
        if olo > tol:
            return "improvement", ""
        if abs(od) <= tol:
            return "trivial", "significant but within tolerance"
        return "underpowered", "significant, but the CI crosses the tolerance"
    if not np.isfinite(mde) or mde > tol:
        return "underpowered", f"not significant; MDE {mde:.4g} > tolerance {tol:.4g}"
    return "no_change", ""


def compare_systems(scores: pd.DataFrame, config: CompareConfig) -> pd.DataFrame:
    """Tidy comparison of each candidate against the baseline, per metric x slice (plus 'all').

    `scores`: long DataFrame with columns system, example_id, metric, value, the slice columns
    (default: whichever of partition/intent/language/stratum exist) and optionally
    `config.cluster_column`.  Duplicate (system, example, metric) rows are averaged.  Only
    examples scored by both systems enter a metric's cell (pairing).  p_adj is BH across all
    cells of one candidate; the primary metric's unadjusted p is `p_value` on its 'all' row.
    """
    ex, wide, metrics, slice_cols, candidates, systems = _prepare(scores, config)
    n_items = len(ex)
    z = float(stats.norm.ppf(0.5 + config.confidence / 2))
    a_all = _matrix(wide, config.baseline, metrics, n_items)
    specs = [config.spec(m, a_all[:, j]) for j, m in enumerate(metrics)]
    types = np.array([s.type for s in specs])
    tol = np.array([s.tolerance for s in specs], dtype=float)
    sign = np.array([1.0 if s.higher_is_better else -1.0 for s in specs])
    scale = np.array([s.scale for s in specs], dtype=float)
    clusters_all = ex[config.cluster_column].to_numpy() if config.cluster_column else None
    slices = _slices(ex, slice_cols)
    idx_bin = np.flatnonzero(types == "binary")
    idx_cont = np.flatnonzero(types == "continuous")
    idx_ord = np.flatnonzero(types == "ordinal")
    frames = []
    for ci, cand in enumerate(candidates):
        if cand not in systems:
            continue
        b_all = _matrix(wide, cand, metrics, n_items)
        rows: dict[str, list] = {k: [] for k in RESULT_COLUMNS}
        for si, (skey, sval, mask) in enumerate(slices):
            a, b = a_all[mask], b_all[mask]
            cl = clusters_all[mask] if clusters_all is not None else None
            ok = np.isfinite(a) & np.isfinite(b)
            d = np.where(ok, b - a, np.nan)
            n = ok.sum(0)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean_a = np.where(ok, a, 0).sum(0) / n
                mean_b = np.where(ok, b, 0).sum(0) / n
                diff = mean_b - mean_a
                sd = np.sqrt(np.nansum((d - diff) ** 2, 0) / (n - 1))
                se = sd / np.sqrt(n)
            n_cl = n.copy()
            corr = np.full(len(metrics), np.nan)
            for j in range(len(metrics)):
                okj = ok[:, j]
                if cl is not None and n[j] > 0:
                    _, se_j, _, c_j = clustered_se_from_arrays(d[okj, j], cl[okj])
                    se[j], n_cl[j] = se_j, c_j
                if n[j] > 2:
                    aj, bj = a[okj, j], b[okj, j]
                    if aj.std() > 0 and bj.std() > 0:
                        corr[j] = float(np.corrcoef(aj, bj)[0, 1])
            p = np.full(len(metrics), np.nan)
            lo, hi = diff - z * se, diff + z * se
            test = np.empty(len(metrics), dtype=object)
            eff_name = np.empty(len(metrics), dtype=object)
            eff = np.full(len(metrics), np.nan)
            # ---- binary: McNemar mid-p ------------------------------------------------------
            if idx_bin.size:
                ab, bb = a[:, idx_bin] >= 0.5, b[:, idx_bin] >= 0.5
                okb = ok[:, idx_bin]
                bcnt = (okb & ab & ~bb).sum(0)
                ccnt = (okb & ~ab & bb).sum(0)
                nb = n[idx_bin]
                with np.errstate(invalid="ignore", divide="ignore"):
                    psi = (bcnt + ccnt) / nb
                    delta = (ccnt - bcnt) / nb
                    se_w = np.sqrt(np.maximum(psi - delta**2, 0) / nb)
                    eff[idx_bin] = np.where(
                        bcnt > 0, ccnt / np.maximum(bcnt, 1), np.where(ccnt > 0, np.inf, np.nan)
                    )
                eff_name[idx_bin] = "odds_ratio"
                if cl is None:
                    se[idx_bin] = se_w
                    p[idx_bin] = mcnemar_midp_vec(bcnt, ccnt)
                    test[idx_bin] = "mcnemar_midp"
                else:
                    with np.errstate(invalid="ignore", divide="ignore"):
                        zz = np.abs(delta) / se[idx_bin]
                    p_cl = np.where(se[idx_bin] > 0, 2 * stats.norm.sf(zz), np.where(delta == 0, 1.0, np.nan))
                    p[idx_bin] = np.where(bcnt + ccnt == 0, 1.0, p_cl)
                    test[idx_bin] = "clustered_wald"
                lo[idx_bin] = diff[idx_bin] - z * se[idx_bin]
                hi[idx_bin] = diff[idx_bin] + z * se[idx_bin]
            # ---- continuous: one vectorised BCa bootstrap for all metrics of this slice ------
            if idx_cont.size:
                test[idx_cont] = "bootstrap_bca" + ("_cluster" if cl is not None else "")
                boot_cols = idx_cont[n[idx_cont] >= max(config.min_n, 2)]
                if boot_cols.size:
                    rng = np.random.default_rng(np.random.SeedSequence([config.seed, ci, si]))
                    rows_ok = ok[:, boot_cols].any(1)
                    res = bootstrap_bca_mean(
                        d[rows_ok][:, boot_cols],
                        None if cl is None else cl[rows_ok],
                        n_resamples=config.n_resamples,
                        confidence=config.confidence,
                        seed=rng,
                    )
                    lo[boot_cols], hi[boot_cols], p[boot_cols] = res.ci_low, res.ci_high, res.p_value
                eff_name[idx_cont] = "d_z"
                with np.errstate(invalid="ignore", divide="ignore"):
                    eff[idx_cont] = np.where(sd[idx_cont] > 0, diff[idx_cont] / sd[idx_cont], np.nan)
            # ---- ordinal: Wilcoxon-Pratt ----------------------------------------------------
            for j in idx_ord:
                okj = ok[:, j]
                dj = d[okj, j]
                if cl is not None and dj.size:
                    _, inv = np.unique(cl[okj], return_inverse=True)
                    dj = np.bincount(inv, weights=dj) / np.bincount(inv)
                w = wilcoxon_pratt(dj)
                p[j], eff[j] = w.p_value, w.rank_biserial
                test[j] = "wilcoxon_pratt" + ("_clustermeans" if cl is not None else "")
                eff_name[j] = "rank_biserial"
            # ---- tiny cells, MDE -----------------------------------------------------------
            # Approximate tests (clustered Wald, Wilcoxon approx) cannot beat the exact sign-flip bound.
            approx = np.array([t not in ("mcnemar_midp",) for t in test])
            p = np.where(
                approx & np.isfinite(p), np.maximum(p, np.minimum(1.0, 2.0 * 0.5 ** n_cl.astype(float))), p
            )
            small = n < config.min_n
            p[small] = np.nan
            with np.errstate(invalid="ignore", divide="ignore"):
                se_floor = scale * np.sqrt(3.0) / n
            se_mde = np.where(np.nan_to_num(se, nan=0.0) > 0, se, se_floor)
            mde = np.where(small, np.nan, mde_fn(se_mde, 1 - config.confidence, config.power))
            for j, m in enumerate(metrics):
                rows["candidate"].append(cand)
                rows["metric"].append(m)
                rows["metric_type"].append(types[j])
                rows["slice_key"].append(skey)
                rows["slice_value"].append(sval)
                rows["n"].append(int(n[j]))
                rows["n_clusters"].append(int(n_cl[j]))
                rows["mean_a"].append(mean_a[j])
                rows["mean_b"].append(mean_b[j])
                rows["diff"].append(diff[j])
                rows["se"].append(se[j])
                rows["ci_low"].append(lo[j])
                rows["ci_high"].append(hi[j])
                rows["p_value"].append(p[j])
                rows["mde"].append(mde[j])
                rows["tolerance"].append(tol[j])
                rows["test"].append(test[j])
                rows["effect_name"].append(eff_name[j])
                rows["effect"].append(eff[j])
                rows["corr_ab"].append(corr[j])
                rows["is_primary"].append(m == config.primary_metric)
        rows["p_adj"] = list(benjamini_hochberg(np.asarray(rows["p_value"], dtype=float)))
        verdicts, notes = [], []
        midx = {m: j for j, m in enumerate(metrics)}
        for k in range(len(rows["metric"])):
            j = midx[rows["metric"][k]]
            s = sign[j]
            lo_o, hi_o = sorted((s * rows["ci_low"][k], s * rows["ci_high"][k]))
            v, note = _verdict(
                rows["n"][k],
                rows["p_adj"][k],
                s * rows["diff"][k],
                lo_o,
                hi_o,
                rows["mde"][k],
                tol[j],
                config.q,
                config.min_n,
            )
            verdicts.append(v)
            notes.append(note)
        rows["verdict"], rows["note"] = verdicts, notes
        frames.append(pd.DataFrame(rows, columns=RESULT_COLUMNS))
    if not frames:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------------------------
@dataclass
class GateDecision:
    candidate: str
    decision: Literal["block", "proceed", "undecided"]
    reasons: list[str]

    def as_dict(self) -> dict:
        return {"candidate": self.candidate, "decision": self.decision, "reasons": list(self.reasons)}


def gate_decision(
    comparison: pd.DataFrame, config: CompareConfig, candidate: str | None = None
) -> GateDecision:
    """Release gate for one candidate: block > undecided > proceed.

    block: golden partition below 100% pass on `golden_pass_metric`; any `regression` verdict
    (on any slice when `block_on_slices`, else on the 'all' slice only).
    undecided: no rows; golden slice absent; a declared metric absent; primary metric missing,
    with n < min_n, or `underpowered` (its MDE is quoted).
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
        g = df[
            (df["slice_key"] == gk) & (df["slice_value"] == gv) & (df["metric"] == config.golden_pass_metric)
        ]
        if g.empty or int(g["n"].iloc[0]) == 0:
            undecided.append(f"golden partition {gk}={gv} has no paired '{config.golden_pass_metric}' data")
        else:
            rate, n = float(g["mean_b"].iloc[0]), int(g["n"].iloc[0])
            if not rate >= 1.0:
                block.append(
                    f"golden partition: {config.golden_pass_metric} pass rate {rate:.2%} < 100% (n={n})"
                )
    scope = df if config.block_on_slices else df[df["slice_key"] == "all"]
    for r in scope[scope["verdict"] == "regression"].itertuples():
        block.append(
            f"regression: {r.metric} [{r.slice_key}={r.slice_value}] diff {r.diff:+.4g} "
            f"CI [{r.ci_low:.4g}, {r.ci_high:.4g}] p_adj {r.p_adj:.3g} (n={r.n})"
        )
    present = set(df["metric"].unique())
    for m in config.metrics:
        if m not in present:
            undecided.append(f"metric {m} missing from the comparison")
    if config.primary_metric:
        pr = df[(df["metric"] == config.primary_metric) & (df["slice_key"] == "all")]
        if pr.empty or int(pr["n"].iloc[0]) < config.min_n:
            undecided.append(f"primary metric {config.primary_metric}: missing or too few pairs")
        elif pr["verdict"].iloc[0] == "underpowered":
            r = pr.iloc[0]
            undecided.append(
                f"primary metric {config.primary_metric} underpowered: diff {r['diff']:+.4g}, "
                f"p {r['p_value']:.3g} (unadjusted), MDE {r['mde']:.4g} vs tolerance {r['tolerance']:.4g}"
            )
    if block:
        return GateDecision(candidate, "block", block + undecided)
    if undecided:
        return GateDecision(candidate, "undecided", undecided)
    return GateDecision(candidate, "proceed", ["no regression; primary metric adequately powered"])
