"""Benchmark: (1) speed of one comparison report (2 systems x 20 metrics x 30 slices, 2,000 items,
B = 10,000 resamples) against a naive per-cell loop measured in the same run; (2) the release gate's
error rates on the realistic design of `evalpipe.stats.simulate` (issue 17), for today's gate (NEW)
and the gate of a baseline git ref (OLD, default `main`; its compare.py is loaded from `git show`),
on a development design and a held-out design.

Naive baseline: for every metric x slice cell, `scipy.stats.bootstrap(paired=True, method="BCa")` for
continuous metrics and statsmodels' exact McNemar for binary ones.  The scipy calls are slow, so
only a random subset of continuous cells is run and the total is extrapolated (said in the output).

    .venv/bin/python benchmarks/stats.py          # full size (target: report <= 10 s on 2 cores)
    .venv/bin/python benchmarks/stats.py --quick  # small smoke run
    .venv/bin/python benchmarks/stats.py --skip-speed --reps 300 --resamples 2000 --baseline-ref main

Simulation figures (per design, per gate): false-block rate under the exact null (A and B
exchangeable), pooled / min / max 95%-CI coverage over the gating cells that pass the minimum size
(judged against the design-weighted truth), the primary metric's regression rate at its stated MDE
(stated power 80%), and at a regression planted only in the heaviest-weighted strata (≥ 60% of
the population) sized to the same stated MDE of the weighted estimate.  Development vs held-out:
the development design (Design(seed=0)) is the one the tests and the MDE/df rules were tuned on;
the held-out design (Design(seed=1): other intent/language/cluster draws) and its score seeds
(offset 10_000) are drawn separately and were not looked at while writing the code.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import os
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ.setdefault("MKL_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402
from statsmodels.stats.contingency_tables import mcnemar  # noqa: E402

from evalpipe.stats import simulate as sim  # noqa: E402
from evalpipe.stats.compare import CompareConfig, compare_systems  # noqa: E402

SLICE_LEVELS = {"partition": 3, "intent": 10, "language": 5, "stratum": 12}  # 30 slices (+ "all")


def synth(n_items: int, n_metrics: int, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    rng = np.random.default_rng(seed)
    ex = pd.DataFrame({"example_id": [f"ex{i:06d}" for i in range(n_items)]})
    for col, k in SLICE_LEVELS.items():
        ex[col] = rng.choice([f"{col}_{j}" for j in range(k)], n_items)
    parts, types = [], {}
    for m in range(n_metrics):
        name = f"metric_{m:02d}"
        if m % 2 == 0:
            types[name] = "binary"
            latent = rng.normal(0, 1, n_items)
            a = (latent + rng.normal(0, 0.5, n_items) > -0.5).astype(float)
            b = (latent + rng.normal(0, 0.5, n_items) > -0.5 + 0.02 * (m % 4)).astype(float)
        else:
            types[name] = "continuous"
            base = rng.beta(4, 2, n_items)
            a = np.clip(base + rng.normal(0, 0.05, n_items), 0, 1)
            b = np.clip(base + rng.normal(-0.005 * (m % 3), 0.05, n_items), 0, 1)
        parts.append(ex.assign(system="baseline", metric=name, value=a))
        parts.append(ex.assign(system="candidate", metric=name, value=b))
    return pd.concat(parts, ignore_index=True), types


def naive(df: pd.DataFrame, types: dict[str, str], n_resamples: int, subset: int, seed: int = 0):
    """Per-cell loop; returns (extrapolated seconds, measured seconds, cells run, cells total)."""
    wide = df.pivot_table(index=["example_id", *SLICE_LEVELS], columns=["system", "metric"], values="value")
    wide = wide.reset_index()
    cells = [("all", "all", np.ones(len(wide), bool))]
    for col in SLICE_LEVELS:
        for v in sorted(wide[col].unique()):
            cells.append((col, v, (wide[col] == v).to_numpy()))
    cont = [(m, c) for m in types for c in cells if types[m] == "continuous"]
    binm = [(m, c) for m in types for c in cells if types[m] == "binary"]
    t0, c0 = time.perf_counter(), time.process_time()
    for m, (_, _, mask) in binm:  # binary cells: cheap, all run
        a = wide[("baseline", m)].to_numpy()[mask] >= 0.5
        b = wide[("candidate", m)].to_numpy()[mask] >= 0.5
        mcnemar(np.array([[np.sum(a & b), np.sum(a & ~b)], [np.sum(~a & b), np.sum(~a & ~b)]]), exact=True)
    t_bin = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(cont), size=min(subset, len(cont)), replace=False)
    t0 = time.perf_counter()
    for i in pick:
        m, (_, _, mask) = cont[i]
        a = wide[("baseline", m)].to_numpy()[mask]
        b = wide[("candidate", m)].to_numpy()[mask]
        stats.bootstrap(
            (a, b),
            lambda x, y, axis=-1: y.mean(axis) - x.mean(axis),
            paired=True,
            method="BCa",
            n_resamples=n_resamples,
            random_state=int(i),
        )
    t_cont = time.perf_counter() - t0
    c_all = time.process_time() - c0
    scale = len(cont) / len(pick)
    est = t_bin + t_cont * scale
    est_cpu = c_all * scale  # upper-ish: binary part is negligible
    return est, est_cpu, t_bin + t_cont, len(binm) + len(pick), len(binm) + len(cont)


def load_baseline_compare(ref: str):
    """The compare module of git `ref`, loaded under another name (its helpers in paired.py,
    intervals.py and power.py are still exported by today's code)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    src = subprocess.run(
        ["git", "show", f"{ref}:evalpipe/stats/compare.py"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    spec = importlib.util.spec_from_loader("evalpipe_baseline_compare", loader=None)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    exec(compile(src, f"{ref}:evalpipe/stats/compare.py", "exec"), mod.__dict__)  # noqa: S102
    return mod


def old_runner(old):
    """The baseline gate as build_report ran it: BH over every row (informational ones included),
    verdicts on the gating metrics, golden from the paired rows; no weights, errors dropped."""
    informational = {m for m, s in sim.REPORT_METRICS.items() if not s.gating}

    def run(scores: pd.DataFrame, cfg):
        ocfg = old.CompareConfig(
            baseline=cfg.baseline,
            candidates=cfg.candidates,
            metrics={
                m: old.MetricSpec(
                    type=s.type, tolerance=s.tolerance, higher_is_better=s.higher_is_better, scale=s.scale
                )
                for m, s in cfg.metrics.items()
            },
            primary_metric=cfg.primary_metric,
            q=cfg.q,
            slice_columns=cfg.slice_columns,
            cluster_column=cfg.cluster_column,
            n_resamples=cfg.n_resamples,
            seed=cfg.seed,
            golden_pass_metric=cfg.golden_pass_metric,
        )
        comp = old.compare_systems(scores.dropna(subset=["value"]), ocfg)
        gcfg = dataclasses.replace(
            ocfg, metrics={k: v for k, v in ocfg.metrics.items() if k not in informational}
        )
        decision = old.gate_decision(comp[~comp["metric"].isin(informational)], gcfg, candidate="B").decision
        comp = comp.assign(n_eff=comp["n"], gating=~comp["metric"].isin(informational))
        return decision, comp

    return run


def gate_figures(design: sim.Design, runner, reps: int, n_res: int, seed: int, cells=None, mde=None):
    """One gate on one design: null, power at the stated MDE, heavy-strata regression."""
    t0 = time.perf_counter()
    r0 = sim.simulate_gate(design, reps=reps, n_resamples=n_res, seed=seed, runner=runner)
    stated = r0.primary_mde if mde is None else mde
    items = design.items
    w_all = items["weight"].sum()
    w_gold = items.loc[items["partition"] == "golden", "weight"].sum()
    r1 = sim.simulate_gate(
        design, {"overall_pass": -stated * w_all / (w_all - w_gold)}, reps=reps, n_resamples=n_res,
        seed=seed + 1, runner=runner,
    )  # fmt: skip
    heavy = design.heavy_strata
    w_heavy = items.loc[items["stratum"].isin(heavy), "weight"].sum()
    r2 = sim.simulate_gate(
        design, {"overall_pass": {h: -stated * w_all / w_heavy for h in heavy}}, reps=reps,
        n_resamples=n_res, seed=seed + 2, runner=runner,
    )  # fmt: skip
    cov = r0.coverage_summary(cells)
    return {
        "false_block": r0.block_rate,
        "cov": cov,
        "stated_mde": stated,
        "power": r1.primary_regression_rate,
        "power_block": r1.block_rate,
        "heavy": r2.primary_regression_rate,
        "heavy_block": r2.block_rate,
        "heavy_share": design.population_share(heavy),
        "heavy_delta": stated * w_all / w_heavy,
        "eligible": r0.coverage[r0.coverage["eligible"]],
        "seconds": time.perf_counter() - t0,
    }


def print_figures(label: str, f: dict, reps: int) -> None:
    mc = 2 * np.sqrt(0.05 * 0.95 / reps)
    c = f["cov"]
    print(
        f"  {label:<24} false block {f['false_block']:6.3f} (bound {0.05 + mc:.3f}) | coverage pooled "
        f"{c['pooled']:.3f} min {c['min']:.3f} max {c['max']:.3f} over {c['cells']} cells | power at stated MDE "
        f"{f['stated_mde']:.3f}: {f['power']:.3f} (block {f['power_block']:.3f}) | heavy strata "
        f"({f['heavy_share']:.0%} of population, -{f['heavy_delta']:.3f} there): {f['heavy']:.3f} "
        f"(block {f['heavy_block']:.3f}) | {f['seconds']:.0f} s",
        flush=True,
    )


def simulation(args) -> None:
    reps, n_res = args.reps, args.sim_resamples
    print(
        f"gate simulation on the realistic design: {reps} runs per scenario, B = {n_res:,}; "
        f"stated power 0.80, alpha 0.05, MC error of a rate near 0.05: ±{2 * np.sqrt(0.05 * 0.95 / reps):.3f}"
    )
    old = load_baseline_compare(args.baseline_ref) if args.baseline_ref else None
    designs = (("dev", sim.Design(seed=0), 1), ("held-out", sim.Design(seed=1), 10_000))
    for label, design, seed in designs:
        if label not in args.designs.split(","):
            continue
        d = design.items
        print(
            f" {label} design: {len(d)} items, partitions {d['partition'].value_counts().to_dict()}, "
            f"languages {d['language'].value_counts().to_dict()}, clusters {d['paraphrase_group'].nunique()}",
            flush=True,
        )
        new = gate_figures(design, None, reps, n_res, seed)
        print_figures("NEW (this branch)", new, reps)
        if old is not None:
            f_old = gate_figures(design, old_runner(old), reps, n_res, seed, cells=new["eligible"], mde=None)
            print_figures(f"OLD ({args.baseline_ref})", f_old, reps)


def speed(args) -> None:
    n_items = args.items or (1000 if args.quick else 2000)
    n_metrics = args.metrics or (6 if args.quick else 20)
    n_res = args.resamples or (5000 if args.quick else 10_000)
    subset = args.naive_subset or (5 if args.quick else 12)
    df, types = synth(n_items, n_metrics)
    cfg = CompareConfig(
        baseline="baseline",
        candidates=["candidate"],
        metrics=types,
        primary_metric="metric_01",
        n_resamples=n_res,
        slice_columns=list(SLICE_LEVELS),
    )
    warm, wtypes = synth(200, 2)
    compare_systems(
        warm, CompareConfig(baseline="baseline", metrics=wtypes, n_resamples=50)
    )  # warm-up imports
    t0, c0 = time.perf_counter(), time.process_time()
    out = compare_systems(df, cfg)
    t_fast, c_fast = time.perf_counter() - t0, time.process_time() - c0
    n_slices = out[["slice_key", "slice_value"]].drop_duplicates().shape[0]
    print(
        f"report: 2 systems x {n_metrics} metrics x {n_slices} slices (incl. 'all') = {len(out)} cells, "
        f"{n_items} items, B = {n_res:,} sign-flip resamples"
    )
    print(
        f"  vectorised compare_systems: {t_fast:8.2f} s wall, {c_fast:.2f} s CPU  (verdicts: "
        f"{out['verdict'].value_counts().to_dict()})"
    )
    est, est_cpu, measured, ran, total = naive(df, types, n_res, subset)
    print(
        f"  naive per-cell loop:        {est:8.2f} s wall, ~{est_cpu:.1f} s CPU  (extrapolated: ran {ran} of {total} cells in "
        f"{measured:.2f} s; all binary McNemar cells run, {subset} scipy BCa cells timed and scaled)"
    )
    print(f"  speed-up: {est / t_fast:.1f}x wall, {est_cpu / c_fast:.1f}x CPU")
    if not args.quick and t_fast > 10:
        print("  WARNING: above the 10 s target")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    ap.add_argument("--items", type=int)
    ap.add_argument("--metrics", type=int)
    ap.add_argument("--resamples", type=int)
    ap.add_argument("--naive-subset", type=int)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-sim", action="store_true")
    ap.add_argument("--reps", type=int, help="simulation runs per scenario (default 300; 40 with --quick)")
    ap.add_argument("--sim-resamples", type=int, help="B for the simulated reports (default 2000)")
    ap.add_argument("--baseline-ref", default="main", help="git ref of the OLD gate ('' to skip)")
    ap.add_argument("--designs", default="dev,held-out", help="which designs to simulate")
    args = ap.parse_args()
    args.reps = args.reps or (40 if args.quick else 300)
    args.sim_resamples = args.sim_resamples or (500 if args.quick else 2000)
    if not args.skip_speed:
        speed(args)
    if not args.skip_sim:
        simulation(args)


if __name__ == "__main__":
    main()
