"""Benchmark: (1) speed of one comparison report (2 systems x 20 metrics x 30 slices, 2,000 items,
B = 10,000 resamples) against a naive per-cell loop measured in the same run; (2) the release gate's
error rates on the realistic design of `evalpipe.stats.simulate` (issue 17), for today's gate (NEW)
and the gate of a baseline git ref (OLD, default `0a444f2^`, the gate before issue 17; its
compare.py is loaded from `git show`), on a development, a held-out and the audit's design.

Naive baseline: for every metric x slice cell, `scipy.stats.bootstrap(paired=True, method="BCa")` for
continuous metrics and statsmodels' exact McNemar for binary ones.  The scipy calls are slow, so
only a random subset of continuous cells is run and the total is extrapolated (said in the output).

    .venv/bin/python benchmarks/stats.py          # full size (target: report <= 10 s on 2 cores)
    .venv/bin/python benchmarks/stats.py --quick  # small smoke run
    .venv/bin/python benchmarks/stats.py --skip-speed --reps 250 --cov-reps 1500 --power-reps 800 --old-reps 200

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

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar

from evalpipe.stats import simulate as sim
from evalpipe.stats.compare import CompareConfig, compare_systems

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
    exec(compile(src, f"{ref}:evalpipe/stats/compare.py", "exec"), mod.__dict__)
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


def gate_figures(design: sim.Design, runner, args, seed: int, cells=None, old: bool = False) -> dict:
    """One gate on one design.

    false block: the full gate under the exact null (`--reps` runs).  Coverage: NEW's CIs are
    analytic (independent of B), so a coverage-only run at `--cov-reps` with B = 20; OLD's BCa
    CIs need B, so they come from its null run.  Power (primary metric called a regression at
    the MDE it states): NEW from the primary row alone (`--power-reps`; that row does not depend on
    the other cells), uniform regression at the row's MDE and a regression confined to the heavy
    strata at the MDE the report states for them (`mde_strata`); OLD has one MDE for both."""
    t0 = time.perf_counter()
    n_res = args.sim_resamples
    heavy = design.heavy_strata
    reps = args.old_reps if old else args.reps
    r0 = sim.simulate_gate(design, reps=reps, n_resamples=n_res, seed=seed, runner=runner)
    out = {"false_block": r0.block_rate, "reps": reps, "heavy_share": design.population_share(heavy)}
    if old:
        stated = stated_h = r0.primary_mde
        cov_res = r0
    else:
        cov_res = sim.simulate_gate(design, reps=args.cov_reps, n_resamples=20, seed=seed + 3)
        stated = sim.simulate_primary(design, reps=args.power_reps, seed=seed + 4).mde
        stated_h = sim.simulate_primary(design, reps=args.power_reps, seed=seed + 4, mde_strata=heavy).mde
    r1 = sim.simulate_gate(
        design,
        sim.planted_regression(design, stated),
        reps=reps,
        n_resamples=n_res,
        seed=seed + 1,
        runner=runner,
    )
    r2 = sim.simulate_gate(
        design, sim.planted_regression(design, stated_h, heavy), reps=reps, n_resamples=n_res,
        seed=seed + 2, runner=runner,
    )  # fmt: skip
    out.update(
        power_block=r1.block_rate, heavy_block=r2.block_rate, stated_mde=stated, stated_mde_heavy=stated_h
    )
    if old:
        out.update(power=r1.primary_regression_rate, heavy=r2.primary_regression_rate, power_reps=reps)
    else:
        p1 = sim.simulate_primary(
            design, sim.planted_regression(design, stated), reps=args.power_reps, seed=seed + 5
        )
        p2 = sim.simulate_primary(
            design, sim.planted_regression(design, stated_h, heavy), reps=args.power_reps, seed=seed + 6
        )
        p3 = sim.simulate_primary(
            design, sim.planted_regression(design, stated, heavy), reps=args.power_reps, seed=seed + 7
        )
        out.update(
            power=p1.regression_rate, heavy=p2.regression_rate, heavy_at_uniform_mde=p3.regression_rate
        )
        out["power_reps"] = args.power_reps
    chk = sim.coverage_check(cov_res) if cells is None else None
    if cells is not None:
        cov_res.coverage = cov_res.coverage.merge(
            cells[["metric", "slice_key", "slice_value"]].assign(_e=True), how="left"
        )
        cov_res.coverage["eligible"] = cov_res.coverage.pop("_e").eq(True).to_numpy()
        chk = sim.coverage_check(cov_res)
    out.update(cov=cov_res.coverage_summary(), cov_reps=cov_res.reps, cov_check=chk)
    out["eligible"] = cov_res.coverage[cov_res.coverage["eligible"]]
    out["seconds"] = time.perf_counter() - t0
    return out


def print_figures(label: str, f: dict) -> None:
    mc = 2 * np.sqrt(0.05 * 0.95 / f["reps"])
    c, chk = f["cov"], f["cov_check"]
    print(
        f"  {label:<20} false block {f['false_block']:.3f} ({f['reps']} runs, bound {0.05 + mc:.3f}) | coverage "
        f"({f['cov_reps']} runs) pooled {c['pooled']:.3f} min {c['min']:.3f} max {c['max']:.3f} over {c['cells']} "
        f"cells; significantly below 93%: {int(chk['below'].sum())}, above 97%: {int(chk['above'].sum())} "
        f"(exact binomial, Holm, 5%)",
        flush=True,
    )
    line = (
        f"  {'':<20} power ({f['power_reps']} runs): uniform regression at the stated MDE {f['stated_mde']:.3f}: "
        f"{f['power']:.3f} (gate block {f['power_block']:.3f}) | heavy strata ({f['heavy_share']:.0%} of the "
        f"population) at the MDE stated for them {f['stated_mde_heavy']:.3f}: {f['heavy']:.3f} (gate block "
        f"{f['heavy_block']:.3f})"
    )
    if "heavy_at_uniform_mde" in f:
        line += f" | heavy strata at the uniform MDE: {f['heavy_at_uniform_mde']:.3f}"
    print(line + f" | {f['seconds']:.0f} s", flush=True)
    low = chk.head(5)
    print(
        "  "
        + " " * 20
        + " lowest cells: "
        + "; ".join(
            f"{r.metric} {r.slice_key}={r.slice_value} n={int(r.n)} {r.covered:.3f}" for r in low.itertuples()
        ),
        flush=True,
    )


def simulation(args) -> None:
    print(
        f"gate simulation on the realistic design: B = {args.sim_resamples:,}; stated power 0.80, alpha 0.05; "
        f"runs: gate {args.reps}, coverage {args.cov_reps}, power {args.power_reps}, OLD {args.old_reps}"
    )
    old = load_baseline_compare(args.baseline_ref) if args.baseline_ref else None
    designs = (
        ("dev", sim.Design(seed=0), 1),
        ("held-out", sim.Design(seed=1), 10_000),
        ("audit", sim.audit_design(seed=2), 20_000),
    )
    for label, design, seed in designs:
        if label not in args.designs.split(","):
            continue
        d = design.items
        print(
            f" {label} design: {len(d)} items, partitions {d['partition'].value_counts().to_dict()}, strata sizes "
            f"{sorted(d.loc[d.partition == 'distribution', 'stratum'].value_counts().tolist())}, "
            f"languages {d['language'].value_counts().to_dict()}, clusters {d['paraphrase_group'].nunique()}",
            flush=True,
        )
        new = gate_figures(design, None, args, seed)
        print_figures("NEW (this branch)", new)
        if old is not None:
            f_old = gate_figures(design, old_runner(old), args, seed, cells=new["eligible"], old=True)
            print_figures(f"OLD ({args.baseline_ref})", f_old)
        if label == "audit":  # the audit's variants: false blocks only
            gates = [("NEW", None, args.reps)] + ([("OLD", old_runner(old), args.old_reps)] if old else [])
            for variant in ("no_clusters", "tol0"):
                for name, runner, reps in gates:
                    r = sim.simulate_gate(
                        design, reps=reps, n_resamples=args.sim_resamples, seed=seed + 8, runner=runner,
                        variant=variant,
                    )  # fmt: skip
                    print(f"  {name} {variant:<12} false block {r.block_rate:.3f} ({reps} runs)", flush=True)


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
    ap.add_argument("--reps", type=int, help="full-gate runs per scenario (default 300; 40 with --quick)")
    ap.add_argument("--cov-reps", type=int, help="coverage-only runs (default 2000; 100 with --quick)")
    ap.add_argument("--power-reps", type=int, help="primary-row power runs (default 1000; 100 with --quick)")
    ap.add_argument("--old-reps", type=int, help="runs per scenario for the OLD gate (default --reps)")
    ap.add_argument("--sim-resamples", type=int, help="B for the simulated reports (default 2000)")
    ap.add_argument(
        "--baseline-ref", default="0a444f2^", help="git ref of the OLD gate, before issue 17 ('' to skip)"
    )
    ap.add_argument("--designs", default="dev,held-out,audit", help="which designs to simulate")
    args = ap.parse_args()
    args.reps = args.reps or (40 if args.quick else 300)
    args.cov_reps = args.cov_reps or (100 if args.quick else 2000)
    args.power_reps = args.power_reps or (100 if args.quick else 1000)
    args.old_reps = args.old_reps or args.reps
    args.sim_resamples = args.sim_resamples or (500 if args.quick else 2000)
    if not args.skip_speed:
        speed(args)
    if not args.skip_sim:
        simulation(args)


if __name__ == "__main__":
    main()
