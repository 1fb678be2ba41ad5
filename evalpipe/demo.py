"""`make demo`: run the pipeline end to end on the shipped sample data, in process.

Runs go to the persistent instance in $DAGSTER_HOME (default `.dagster_home`), so `make ui`
shows them afterwards with their metadata.  Same chain as the nightly eval:
integration_eval_job (each shipped day) -> eval_dataset_job -> system_eval_job (each system)
-> report_job.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from rich.console import Console

console = Console()


def _instance():
    import dagster as dg

    home = Path(os.environ.setdefault("DAGSTER_HOME", str(Path(".dagster_home").resolve())))
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists() and Path("dagster.yaml").exists():
        shutil.copyfile("dagster.yaml", home / "dagster.yaml")
    return dg.DagsterInstance.get()


def shipped_days(source_root: str) -> list[str]:
    root = Path(source_root)
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.exists() else []


QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # runs keep full logs in the UI


def _step(label: str, result) -> bool:
    ok = result.success
    console.print(f"[{'green' if ok else 'red'}]{'✓' if ok else '✗'}[/] {label}")
    return ok


def run_demo(days: int | None = None, window_days: int = 1) -> int:
    from evalpipe.definitions import defs
    from evalpipe.defs.inference.resources import SystemsResource
    from evalpipe.logs.ingest import SourceConfig
    from evalpipe.settings import load_settings
    from evalpipe.warehouse.duck import Warehouse

    settings = load_settings()
    instance = _instance()
    d = defs()
    cfg = SourceConfig.load()
    all_days = shipped_days(cfg.source_root)[: days or None]
    if not all_days:
        console.print(f"[red]no day folders under {cfg.source_root}[/red]")
        return 2
    t0 = time.time()
    daily = d.resolve_job_def("integration_eval_job")
    for day in all_days:
        if not _step(
            f"integration_eval_job {day} (ingest, scrub, no_pii_left, features, sample)",
            daily.execute_in_process(
                partition_key=day, instance=instance, run_config=QUIET, raise_on_error=False
            ),
        ):
            return 1
    # what production_monitoring_sensor does after each daily run: drift, metric validity, experiments
    if not _step(
        "production_monitoring_job (quality drift, metric validity, production experiments)",
        d.resolve_job_def("production_monitoring_job").execute_in_process(
            instance=instance, run_config=QUIET, raise_on_error=False
        ),
    ):
        return 1
    run_config = {**QUIET, "ops": {"eval_dataset": {"config": {"window_days": window_days}}}}
    if not _step(
        f"eval_dataset_job (window: last {window_days} day(s))",
        d.resolve_job_def("eval_dataset_job").execute_in_process(
            instance=instance, run_config=run_config, raise_on_error=False
        ),
    ):
        return 1
    # what integration_eval_chain_sensor does after a new dataset: one `systems` partition per system
    for system in SystemsResource(path=settings.systems).register_partitions(instance):
        if not _step(
            f"system_eval_job {system} (outputs, hidden states, metrics)",
            d.resolve_job_def("system_eval_job").execute_in_process(
                partition_key=system, instance=instance, run_config=QUIET, raise_on_error=False
            ),
        ):
            return 1
    if not _step(
        "report_job (judge calibration, probes, prompt sensitivity, comparison report)",
        d.resolve_job_def("report_job").execute_in_process(
            instance=instance, run_config=QUIET, raise_on_error=False
        ),
    ):
        return 1
    console.print(f"pipeline finished in {time.time() - t0:.0f}s\n")

    wh = Warehouse(settings.warehouse)
    summary = wh.query(
        "SELECT sum(read) read, sum(accepted) accepted, sum(quarantined) quarantined, "
        "sum(skipped) skipped FROM ingest_stats"
    ).iloc[0]
    summary = summary.astype(int)
    console.print(
        f"ingest: read={summary['read']} accepted={summary['accepted']} "
        f"quarantined={summary['quarantined']} skipped={summary['skipped']} (reconciles: "
        f"{summary['read'] == summary['accepted'] + summary['quarantined'] + summary['skipped']})"
    )
    console.print(
        wh.query(
            "SELECT system, partition, count(*) n, round(avg(passed::INT), 3) pass_rate FROM example_metrics "
            "WHERE metric = 'overall' AND dataset_version = (SELECT dataset_version FROM reports "
            "ORDER BY materialized_at DESC LIMIT 1) GROUP BY ALL ORDER BY system, partition"
        ).to_string(index=False)
    )
    rep = wh.query(
        "SELECT report_id, decision, reasons FROM reports ORDER BY materialized_at DESC LIMIT 1"
    ).iloc[0]
    console.print(f"\nreport {rep['report_id']}: [bold]{rep['decision'].upper()}[/bold]")
    import json

    from rich.markup import escape

    reasons = json.loads(rep["reasons"])
    for r in reasons[:10]:
        console.print(f"  - {escape(r)}")
    if len(reasons) > 10:
        console.print(f"  … {len(reasons) - 10} more: `evalpipe gate` lists them all")
    print_production_quality(wh)
    _print_validity_and_experiments(wh)
    console.print(
        '\nnext: `.venv/bin/evalpipe gate`, `.venv/bin/evalpipe experiment`, `.venv/bin/evalpipe sql "SELECT * '
        'FROM report_comparisons LIMIT 20"`, `make ui`'
    )
    return 0


def _print_validity_and_experiments(wh) -> None:
    """The metric-validity verdicts and every production experiment's verdict (issue 14)."""
    from rich.markup import escape

    try:
        v = wh.query(
            "SELECT metric, verdict, best_outcome, round(auroc, 3) auroc, round(auroc_low, 3) low, "
            "round(auroc_high, 3) high, window_start, window_end FROM metric_validity_summary "
            "WHERE window_end = (SELECT max(window_end) FROM metric_validity_summary) ORDER BY metric"
        )
        console.print("\nmetric validity (does the metric predict thumbs-down / escalation?):")
        console.print(v.to_string(index=False))
        e = wh.query(
            "SELECT experiment, as_of_day, verdict, reasons FROM experiment_reports ORDER BY experiment"
        )
    except Exception as err:
        console.print(f"[yellow]no validity / experiment tables: {escape(str(err))}[/yellow]")
        return
    for r in e.itertuples():
        console.print(f"\nexperiment {r.experiment} as of {r.as_of_day}: [bold]{r.verdict.upper()}[/bold]")
        for reason in json.loads(r.reasons):
            console.print(f"  - {escape(reason)}")


def print_production_quality(wh) -> None:
    """Yesterday's production quality per model and metric, 95% CI, and whether it is drifting.

    Rates: Wilson interval on the effective size n_eff (session design effect and weights
    included; STATISTICS.md: Wilson for binary n < ~300); mean scores: ± 1.96 clustered SE."""
    import math

    import pandas as pd
    from rich.table import Table

    from evalpipe.production.scoring import BINARY_METRICS, PRODUCTION_METRICS

    names = ", ".join(f"'{m}'" for m in PRODUCTION_METRICS)
    has = wh.query("SELECT count(*) n FROM information_schema.tables WHERE table_name = 'quality_drift'")
    drift = (
        "quality_drift"
        if has["n"].iloc[0]
        else "(SELECT NULL AS system, NULL AS metric, NULL AS day, NULL AS alarm)"
    )
    q = wh.query(
        f"SELECT q.day, q.system, q.metric, q.value, q.se, q.n, q.n_eff, d.alarm FROM daily_quality q "
        f"LEFT JOIN {drift} d USING (system, metric, day) WHERE q.day = (SELECT max(day) FROM daily_quality) "
        f"AND q.metric IN ({names}) ORDER BY q.system, q.metric"
    )
    t = Table(title=f"production quality on {q['day'].max() if len(q) else '-'} (95% CI, session-clustered)")
    for c in ("model", "metric", "value", "95% CI", "n", "drift"):
        t.add_column(c, overflow="fold" if c == "metric" else "ellipsis")
    for r in q.itertuples(index=False):
        if r.metric in BINARY_METRICS and r.n_eff == r.n_eff and r.n_eff > 0:
            z, m = 1.96, float(r.n_eff)
            mid = (r.value + z * z / (2 * m)) / (1 + z * z / m)
            half = z * math.sqrt(r.value * (1 - r.value) / m + z * z / (4 * m * m)) / (1 + z * z / m)
            ci = f"{max(mid - half, 0.0):.3f} – {min(mid + half, 1.0):.3f}"
        else:
            ci = f"{r.value - 1.96 * r.se:.3f} – {r.value + 1.96 * r.se:.3f}" if r.se == r.se else "–"
        alarm = "[red]ALARM[/red]" if pd.notna(r.alarm) and bool(r.alarm) else "ok"
        t.add_row(r.system, r.metric, f"{r.value:.3f}", ci, str(r.n), alarm)
    console.print(t)
