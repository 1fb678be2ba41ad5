"""A realistic eval design to measure the release gate's error rates on (issue 17).

Shape (defaults): 600 items: golden 150 (15 paraphrase clusters of 6 plus 60 singletons),
regression 30, adversarial 60, distribution 360 over 12 strata of unequal size with design weights
1–100 (small strata carry the large weights, as an allocation that oversamples rare strata
does); slices by 6 intents and 5 languages (skewed: the smallest language has ~25 items);
the metrics and tolerances of `data/report.yaml`, latency informational.

Scores are generated so that, with no planted effect, A and B are exchangeable within every item
and cluster (the "exact null"): shared latent item quality (cluster effect + item effect) plus
independent, identically distributed per-system noise.  Effects are planted per metric and per
stratum / partition, in metric units (pass-rate points for binary metrics via the latent probit
shift that produces them exactly; score units for continuous ones; latent units for the ordinal
judge, whose exact effect on the 1–5 mean is computed).  `truth` gives E[b − a] per item and
metric, so a cell's true (design-weighted) effect is known.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from evalpipe.stats.compare import CompareConfig, MetricSpec

INTENTS6 = ("pricing", "billing", "features", "troubleshooting", "account", "other")
LANGUAGES = ("en", "es", "fr", "de", "ja")
LANGUAGE_P = (0.62, 0.15, 0.10, 0.09, 0.04)

# metric -> (spec, generator kind, base level by partition)
REPORT_METRICS: dict[str, MetricSpec] = {
    "overall_pass": MetricSpec("binary", 0.03),
    "constraints_pass": MetricSpec("binary", 0.03),
    "similarity": MetricSpec("continuous", 0.02),
    "token_f1": MetricSpec("continuous", 0.02),
    "faithfulness": MetricSpec("continuous", 0.03),
    "judge_score": MetricSpec("ordinal", 0.25, scale=4),
    "latency_ms": MetricSpec("continuous", 250, higher_is_better=False, scale=5000, gating=False),
}
BASE_PASS = {"golden": 1.0, "regression": 0.85, "adversarial": 0.6, "distribution": 0.75}
SIGMA_CLUSTER, SIGMA_ITEM, SIGMA_NOISE = 0.8, 0.9, 0.6  # probit latent scale for binary metrics


@dataclass
class Design:
    n_golden_clusters: int = 15
    golden_cluster_size: int = 6
    n_golden_singletons: int = 60
    n_regression: int = 30
    n_adversarial: int = 60
    strata_sizes: tuple[int, ...] = (60, 50, 40, 40, 30, 30, 25, 25, 20, 15, 15, 10)
    weight_range: tuple[float, float] = (1.0, 100.0)
    seed: int = 0
    items: pd.DataFrame = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.items = build_items(self)

    @property
    def heavy_strata(self) -> list[str]:
        """The heaviest-weighted strata that together hold ≥ 60% of the population."""
        st = self.items[self.items["partition"] == "distribution"].groupby("stratum")["weight"]
        pop = st.sum().sort_values(ascending=False)
        share = pop.cumsum() / pop.sum()
        return list(share.index[: int(np.searchsorted(share.to_numpy(), 0.6) + 1)])

    def population_share(self, strata: list[str]) -> float:
        d = self.items[self.items["partition"] == "distribution"]
        return float(d.loc[d["stratum"].isin(strata), "weight"].sum() / d["weight"].sum())


def build_items(design: Design) -> pd.DataFrame:
    """One row per item: partition, stratum (filled from partition outside distribution, as
    `example_slices` does), weight, intent, language, paraphrase_group."""
    rng = np.random.default_rng(np.random.SeedSequence([design.seed, 1]))
    rows: list[dict] = []

    def add(part: str, n: int, cluster: str | None = None, stratum: str | None = None, w: float = 1.0):
        intent = rng.choice(INTENTS6)
        lang = rng.choice(LANGUAGES, p=LANGUAGE_P)
        for _ in range(n):
            eid = f"{part[:3]}{len(rows):04d}"
            if cluster is None:  # each singleton gets its own intent/language draw
                intent, lang = rng.choice(INTENTS6), rng.choice(LANGUAGES, p=LANGUAGE_P)
            rows.append(
                dict(
                    example_id=eid,
                    partition=part,
                    stratum=stratum or part,
                    weight=w,
                    intent=str(intent),
                    language=str(lang),
                    paraphrase_group=cluster or eid,
                )
            )

    for c in range(design.n_golden_clusters):
        add("golden", design.golden_cluster_size, cluster=f"gc{c:03d}")
    add("golden", design.n_golden_singletons)
    add("regression", design.n_regression)
    add("adversarial", design.n_adversarial)
    k = len(design.strata_sizes)
    lo, hi = design.weight_range
    weights = np.geomspace(lo, hi, k)  # ascending weights for descending sizes
    for h, (n_h, w_h) in enumerate(zip(design.strata_sizes, weights, strict=True)):
        add("distribution", n_h, stratum=f"s{h:02d}", w=float(w_h))
    return pd.DataFrame(rows)


def _effect_vector(items: pd.DataFrame, effect) -> np.ndarray:
    """Per-item planted effect from a number (everywhere) or {stratum|partition: value}."""
    if effect is None:
        return np.zeros(len(items))
    if np.isscalar(effect):
        return np.full(len(items), float(effect))
    out = np.zeros(len(items))
    for key, v in effect.items():
        out[(items["stratum"] == key).to_numpy() | (items["partition"] == key).to_numpy()] = float(v)
    return out


def _ordinal_mean(mu: np.ndarray, s: float) -> np.ndarray:
    """E[clip(round(Y), 1, 5)] for Y ~ N(mu, s²)."""
    cuts = np.array([1.5, 2.5, 3.5, 4.5])
    cdf = stats.norm.cdf((cuts[None, :] - mu[:, None]) / s)
    p = np.diff(np.c_[np.zeros(len(mu)), cdf, np.ones(len(mu))], axis=1)
    return p @ np.arange(1, 6)


def generate(
    design: Design,
    effects: dict[str, float | dict[str, float]] | None = None,
    seed: int = 0,
    golden_failures: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(scores, truth): long scores for systems 'A' (baseline) and 'B' (candidate), and per item
    the true E[b − a] for each metric.  `golden_failures` makes B fail that many golden items."""
    effects = effects or {}
    items = design.items
    n = len(items)
    rng = np.random.default_rng(np.random.SeedSequence([design.seed, 2, seed]))
    _, cl = np.unique(items["paraphrase_group"], return_inverse=True)
    n_cl = cl.max() + 1
    part = items["partition"].to_numpy()
    golden = part == "golden"
    parts, truth = [], {}
    s_tot = np.sqrt(SIGMA_CLUSTER**2 + SIGMA_ITEM**2 + SIGMA_NOISE**2)
    for m, spec in REPORT_METRICS.items():
        eff = _effect_vector(items, effects.get(m))
        c_eff = rng.normal(0, 1, n_cl)[cl]  # cluster effect shared by paraphrases
        i_eff = rng.normal(0, 1, n)
        if spec.type == "binary":
            base = np.array([BASE_PASS[p] for p in part]) - (0.1 if m == "constraints_pass" else 0) * ~golden
            base = np.clip(base, 0.05, 0.99)
            mu = stats.norm.ppf(base) * s_tot
            mu_b = stats.norm.ppf(np.clip(base + eff, 1e-6, 1 - 1e-6)) * s_tot
            lat = mu + SIGMA_CLUSTER * c_eff + SIGMA_ITEM * i_eff
            a = (lat + SIGMA_NOISE * rng.normal(0, 1, n) > 0).astype(float)
            b = (lat + (mu_b - mu) + SIGMA_NOISE * rng.normal(0, 1, n) > 0).astype(float)
            a[golden], b[golden] = 1.0, 1.0  # golden items pass unless a failure is planted
            tr = np.where(golden, 0.0, stats.norm.cdf(mu_b / s_tot) - stats.norm.cdf(mu / s_tot))
        elif spec.type == "continuous" and m != "latency_ms":
            q = 0.6 + 0.08 * c_eff + 0.1 * i_eff

            def noise() -> np.ndarray:  # heavy-tailed, symmetric: 10% of items are far off
                big = rng.random(n) < 0.1
                return np.where(big, rng.normal(0, 0.25, n), rng.normal(0, 0.06, n))

            a, b = q + noise(), q + eff + noise()
            tr = eff
        elif spec.type == "ordinal":
            y = 3.2 + 0.6 * c_eff + 0.7 * i_eff
            s_e = 0.6
            a = np.clip(np.round(y + rng.normal(0, s_e, n)), 1, 5)
            b = np.clip(np.round(y + eff + rng.normal(0, s_e, n)), 1, 5)
            s_y = np.sqrt(0.6**2 + 0.7**2 + s_e**2)
            tr = _ordinal_mean(np.full(n, 3.2) + eff, s_y) - _ordinal_mean(np.full(n, 3.2), s_y)
        else:  # latency: lognormal, item speed shared
            sp = np.exp(6.6 + 0.4 * i_eff)
            a = sp * np.exp(rng.normal(0, 0.3, n))
            b = sp * np.exp(rng.normal(0, 0.3, n)) + eff
            tr = eff
        truth[m] = tr
        parts.append(items.assign(system="A", metric=m, value=a))
        parts.append(items.assign(system="B", metric=m, value=b))
    scores = pd.concat(parts, ignore_index=True)
    if golden_failures:
        gid = items.loc[golden, "example_id"].to_numpy()[:golden_failures]
        sel = (
            (scores["system"] == "B") & (scores["metric"] == "overall_pass") & scores["example_id"].isin(gid)
        )
        scores.loc[sel, "value"] = 0.0
    return scores, pd.DataFrame(truth, index=items["example_id"])


def report_config(n_resamples: int = 2000, seed: int = 0, **kw) -> CompareConfig:
    """The comparison config of `data/report.yaml` on this design (weights and strata on)."""
    return CompareConfig(
        baseline="A",
        candidates=["B"],
        metrics=dict(REPORT_METRICS),
        primary_metric="overall_pass",
        golden_pass_metric="overall_pass",
        q=0.05,
        slice_columns=["partition", "intent", "language", "stratum"],
        cluster_column="paraphrase_group",
        weight_column="weight",
        strata_column="stratum",
        n_resamples=n_resamples,
        seed=seed,
        **kw,
    )


def cell_truth(items: pd.DataFrame, truth: pd.DataFrame, comparison: pd.DataFrame, weighted: bool = True):
    """True effect of every (metric, slice) row of `comparison`: the (weighted) mean of E[b − a]."""
    it = items.set_index("example_id")
    w = it["weight"].to_numpy() if weighted else np.ones(len(it))
    out = np.full(len(comparison), np.nan)
    masks: dict[tuple[str, str], np.ndarray] = {}
    for k, r in enumerate(comparison[["metric", "slice_key", "slice_value"]].itertuples(index=False)):
        key = (r.slice_key, r.slice_value)
        if key not in masks:
            masks[key] = (
                np.ones(len(it), bool)
                if r.slice_key == "all"
                else (it[r.slice_key].astype(str) == r.slice_value).to_numpy()
            )
        mk = masks[key]
        tv = truth[r.metric].reindex(it.index).to_numpy()
        out[k] = float(np.sum(w[mk] * tv[mk]) / np.sum(w[mk]))
    return out


# --------------------------------------------------------------------------------------------
# Simulation harness (shared by the tests and benchmarks/stats.py)
# --------------------------------------------------------------------------------------------
def new_gate(scores: pd.DataFrame, cfg: CompareConfig) -> tuple[str, pd.DataFrame]:
    """Today's gate: compare_systems + gate_decision with the golden check on the scores."""
    from evalpipe.stats.compare import compare_systems, gate_decision

    comp = compare_systems(scores, cfg)
    return gate_decision(comp, cfg, candidate="B", scores=scores).decision, comp


@dataclass
class SimResult:
    reps: int
    block_rate: float
    primary_regression_rate: float
    primary_mde: float  # median stated MDE of the primary metric's overall row
    coverage: pd.DataFrame  # per (metric, slice_key, slice_value): covered share, n, gating

    def coverage_summary(self, cells: pd.DataFrame | None = None) -> dict[str, float]:
        """Pooled and min/max coverage over `cells` (default: this run's gating cells ≥ min size)."""
        cov = self.coverage
        if cells is not None:
            cov = cov.merge(cells[["metric", "slice_key", "slice_value"]], how="inner")
        else:
            keep = cov["eligible"] & ~cov["degenerate"] if "degenerate" in cov else cov["eligible"]
            cov = cov[keep]
        if cov.empty:
            return {"cells": 0, "pooled": float("nan"), "min": float("nan"), "max": float("nan")}
        return {
            "cells": int(len(cov)),
            "pooled": float(cov["covered"].mean()),
            "min": float(cov["covered"].min()),
            "max": float(cov["covered"].max()),
        }


def simulate_gate(
    design: Design,
    effects: dict | None = None,
    reps: int = 100,
    n_resamples: int = 2000,
    seed: int = 0,
    runner=None,
    cfg: CompareConfig | None = None,
    variant: str = "base",
) -> SimResult:
    """Run the gate `reps` times on fresh scores from `design` with `effects` planted.

    runner(scores, cfg) -> (decision, comparison) (default: `new_gate`).  Coverage is measured
    against the design-weighted truth of each row; `eligible` marks the rows that are gating (if
    the comparison says so) and meet the minimum gating size.  `variant`: see `config_variant`."""
    runner = runner or new_gate
    blocks = prim = 0
    cov_sum = None
    mdes = []
    for r in range(reps):
        c = cfg or report_config(n_resamples=n_resamples, seed=seed * 100_003 + r)
        c.seed = seed * 100_003 + r
        c = config_variant(c, variant)
        scores, truth = generate(design, effects, seed=seed * 100_003 + r)
        decision, comp = runner(scores, c)
        blocks += decision == "block"
        pr = comp[comp["is_primary"] & (comp["slice_key"] == "all")]
        prim += bool(len(pr)) and pr["verdict"].iloc[0] == "regression"
        if len(pr):
            mdes.append(float(pr["mde"].iloc[0]))
        t = cell_truth(design.items, truth, comp)
        covered = ((comp["ci_low"] <= t + 1e-12) & (t - 1e-12 <= comp["ci_high"])).astype(float)
        cur = comp[["metric", "slice_key", "slice_value", "n"]].assign(
            covered=covered.to_numpy(), varied=(comp["diff"].abs() > 1e-12).astype(float).to_numpy()
        )
        cur["eligible"] = (
            (comp["gating"].astype(bool) if "gating" in comp else True)
            & (comp["n_eff"] >= c.min_gating_n)
            & (comp["n_clusters"] >= c.min_gating_clusters)
            & ~comp["metric"].isin([m for m, s in REPORT_METRICS.items() if not s.gating])
        ).to_numpy()
        key = ["metric", "slice_key", "slice_value"]
        cov_sum = (
            cur
            if cov_sum is None
            else cov_sum.set_index(key)
            .add(cur.set_index(key)[["covered", "varied"]], fill_value=0)
            .reset_index()
        )
    cov = cov_sum.copy()
    cov["covered"] = cov["covered"] / reps
    cov["eligible"] = cov["eligible"].astype(bool)
    # A cell whose systems agree on every item in every run (golden rows of a binary metric the
    # design makes always pass) has no sampling distribution: its CI covers the truth (0) by
    # construction, so it says nothing about coverage and is left out of the 93–97% criterion.
    cov["degenerate"] = cov["varied"] == 0
    cov = cov.drop(columns="varied")
    return SimResult(reps, blocks / reps, prim / reps, float(np.median(mdes)) if mdes else float("nan"), cov)


def primary_config(n_resamples: int = 1000, seed: int = 0, **kw) -> CompareConfig:
    """`report_config` reduced to the primary metric's overall row: that row's CI, MDE and test
    do not depend on the other metrics or slices (one shared sign-flip matrix, drawn afresh), so
    power is measured with many more runs at a fraction of the cost."""
    cfg = report_config(n_resamples=n_resamples, seed=seed, **kw)
    cfg.metrics = {cfg.primary_metric: REPORT_METRICS[cfg.primary_metric]}
    cfg.slice_columns = []
    return cfg


@dataclass
class PrimaryResult:
    reps: int
    regression_rate: float
    mde: float  # median stated MDE of the primary overall row
    mean_diff: float


def simulate_primary(
    design: Design, effects: dict | None = None, reps: int = 500, seed: int = 0,
    n_resamples: int = 1000, mde_strata: list[str] | None = None,
) -> PrimaryResult:  # fmt: skip
    """How often the primary metric's overall row is called a regression, and the MDE it states
    (for a regression in `mde_strata`, default anywhere), over `reps` fresh score sets."""
    from evalpipe.stats.compare import compare_systems

    pm = "overall_pass"
    reg, mdes, diffs = 0, [], []
    for r in range(reps):
        s = seed * 100_003 + r
        scores, _ = generate(design, effects, seed=s)
        cfg = primary_config(n_resamples=n_resamples, seed=s, mde_strata=mde_strata)
        row = compare_systems(scores[scores["metric"] == pm], cfg).iloc[0]
        reg += row["verdict"] == "regression"
        mdes.append(float(row["mde"]))
        diffs.append(float(row["diff"]))
    return PrimaryResult(reps, reg / reps, float(np.median(mdes)), float(np.mean(diffs)))


def planted_regression(design: Design, size: float, strata: list[str] | None = None) -> dict:
    """Effects for a primary-metric regression whose design-weighted size is `size`: spread over
    every item that can change (golden items always pass) or confined to `strata`."""
    items = design.items
    w_all = items["weight"].sum()
    if strata is None:
        w_gold = items.loc[items["partition"] == "golden", "weight"].sum()
        return {"overall_pass": -size * w_all / (w_all - w_gold)}
    w_in = items.loc[items["stratum"].isin(strata), "weight"].sum()
    return {"overall_pass": {h: -size * w_all / w_in for h in strata}}


def coverage_check(
    result: SimResult, lo: float = 0.93, hi: float = 0.97, alpha: float = 0.05
) -> pd.DataFrame:
    """Per eligible cell: coverage, and exact binomial one-sided p-values against `lo` (coverage
    below it) and `hi` (above it), Holm-adjusted over the cells; `below` / `above` = significant
    at `alpha` after adjustment.  Why a test: at R runs one cell's coverage has MC error
    ≈ 2·√(0.95·0.05/R), so the minimum over 100+ cells sits below 93% by chance alone."""
    c = result.coverage
    cov = c[c["eligible"] & ~c["degenerate"]].copy() if "degenerate" in c else c[c["eligible"]].copy()
    k = np.round(cov["covered"].to_numpy() * result.reps).astype(int)
    p_lo = stats.binom.cdf(k, result.reps, lo)  # P(≤ k covered | coverage = lo)
    p_hi = stats.binom.sf(k - 1, result.reps, hi)  # P(≥ k covered | coverage = hi)

    def holm(p: np.ndarray) -> np.ndarray:
        order = np.argsort(p)
        m = p.size
        adj = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p[order]))
        out = np.empty(m)
        out[order] = adj
        return out

    cov["p_below"], cov["p_above"] = holm(p_lo), holm(p_hi)
    cov["below"], cov["above"] = cov["p_below"] < alpha, cov["p_above"] < alpha
    return cov.sort_values("covered").reset_index(drop=True)


AUDIT_STRATA_SIZES = (64, 52, 44, 38, 34, 30, 26, 22, 18, 14, 10, 8)


def audit_design(seed: int = 2) -> Design:
    """The design as issue 17's audit describes it, where it says more than `Design`: the 12
    distribution strata (360 items) include an 8-item one ("an 8-item stratum can block"); other
    draws of intents, languages and clusters."""
    return Design(strata_sizes=AUDIT_STRATA_SIZES, seed=seed)


def config_variant(cfg: CompareConfig, variant: str) -> CompareConfig:
    """The audit's variants: `no_clusters` (paraphrases treated as independent items) and `tol0`
    (every tolerance 0); `base` leaves the config as it is."""
    import dataclasses

    if variant == "no_clusters":
        cfg.cluster_column = None
    elif variant == "tol0":
        cfg.metrics = {
            m: dataclasses.replace(s, tolerance=0.0) if isinstance(s, MetricSpec) else s
            for m, s in cfg.metrics.items()
        }
    elif variant != "base":
        raise ValueError(f"unknown variant {variant!r}")
    return cfg
