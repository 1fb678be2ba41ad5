"""`make demo`: run the pipeline end to end on the shipped sample data, in process.

Runs go to the persistent instance in $DAGSTER_HOME (default `.dagster_home`), so `make ui`
shows them afterwards with their metadata.  Same chain as the nightly eval:
integration_eval_job (each shipped day) -> eval_dataset_job -> system_eval_job (each system)
-> report_job.
"""

from __future__ import annotations

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


def register_systems(instance, path: str) -> list[str]:  # noqa: ANN001
    """Add one `systems` partition per system in systems.yaml (what integration_eval_chain_sensor does after a new dataset)."""
    from evalpipe.inference import load_systems

    names = sorted(load_systems(path))
    existing = set(instance.get_dynamic_partitions("systems"))
    new = [n for n in names if n not in existing]
    if new:
        instance.add_dynamic_partitions("systems", new)
    return names


QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # runs keep full logs in the UI


def _step(label: str, result) -> bool:  # noqa: ANN001
    ok = result.success
    console.print(f"[{'green' if ok else 'red'}]{'✓' if ok else '✗'}[/] {label}")
    return ok


def run_demo(days: int | None = None, window_days: int = 1) -> int:
    from evalpipe.definitions import defs
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
    run_config = {**QUIET, "ops": {"eval_dataset": {"config": {"window_days": window_days}}}}
    if not _step(
        f"eval_dataset_job (window: last {window_days} day(s))",
        d.resolve_job_def("eval_dataset_job").execute_in_process(
            instance=instance, run_config=run_config, raise_on_error=False
        ),
    ):
        return 1
    for system in register_systems(instance, settings.systems):
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
    console.print(
        '\nnext: `.venv/bin/evalpipe gate`, `.venv/bin/evalpipe sql "SELECT * FROM report_comparisons '
        'LIMIT 20"`, `make ui`'
    )
    return 0
