"""Metric validity and production experiments over the scored production days (group `experiments`).

Both are unpartitioned windows over the daily `scrubbed_logs` and `production_scores`; the
statistics live in `evalpipe.production` / `evalpipe.stats` (no Dagster there).
"""

import base64
import datetime as dt
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa

from evalpipe.defs.failures import fail_without_retry
from evalpipe.defs.partitions import ALLOW_MISSING
from evalpipe.defs.resources import ConfigFilesResource, LakeResource, WarehouseResource
from evalpipe.production.experiment import load_experiments, read_experiment
from evalpipe.production.validity import MetricValidityConfig, run_metric_validity, validity_markdown
from evalpipe.stats.experiment_plots import calibration_plot, sequential_plot

WINDOW_INS = {
    "scrubbed_logs": dg.AssetIn(metadata=ALLOW_MISSING),
    "production_scores": dg.AssetIn(metadata=ALLOW_MISSING),
}


def _frames(scrubbed_logs: dict[str, pa.Table], production_scores: dict[str, pd.DataFrame]):
    logs = (
        pd.concat([t.to_pandas() for t in scrubbed_logs.values()], ignore_index=True)
        if scrubbed_logs
        else None
    )
    scores = pd.concat(production_scores.values(), ignore_index=True) if production_scores else pd.DataFrame()
    return logs, scores


def _img(png: bytes, alt: str) -> str:
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})"


class MetricValidityAssetConfig(dg.Config):
    config_path: str | None = None  # None: the deployment's file (ConfigFilesResource.metric_validity)


@dg.asset(group_name="experiments", kinds={"duckdb"}, pool="duckdb_writer", ins=WINDOW_INS)
@fail_without_retry
def metric_validity(
    context: dg.AssetExecutionContext,
    config: MetricValidityAssetConfig,
    warehouse: WarehouseResource,
    config_files: ConfigFilesResource,
    scrubbed_logs: dict[str, pa.Table],
    production_scores: dict[str, pd.DataFrame],
) -> pd.DataFrame:
    """Does each production metric predict thumbs-down / escalation? AUROC, Spearman (session
    bootstrap CIs), disagreement, calibration and a verdict per metric over the last N days."""
    logs, scores = _frames(scrubbed_logs, production_scores)
    if logs is None or scores.empty:
        raise dg.Failure("metric_validity needs scored production days", allow_retries=False)
    run = run_metric_validity(
        logs, scores, MetricValidityConfig.load(config.config_path or config_files.metric_validity)
    )
    window = {"window_start": run.days[0], "window_end": run.days[-1], "window_days": len(run.days)}
    table = run.result.table.assign(**window)
    summary = run.summary_table().assign(**window)
    with warehouse.writer() as con:
        wh = warehouse.get()
        wh.replace_rows("metric_validity", table, {"window_end": window["window_end"]}, con=con)
        wh.replace_rows("metric_validity_summary", summary, {"window_end": window["window_end"]}, con=con)
        if len(run.result.calibration):
            wh.replace_rows(
                "metric_validity_calibration",
                run.result.calibration.assign(**window),
                {"window_end": window["window_end"]},
                con=con,
            )
    plots = [
        _img(calibration_plot(run.result.calibration, m), m)
        for m in run.metrics
        if len(run.result.calibration) and (run.result.calibration["metric"] == m).any()
    ]
    context.add_output_metadata(
        {
            **window,
            "dagster/row_count": len(table),
            "verdicts": dg.MetadataValue.json(dict(zip(summary["metric"], summary["verdict"], strict=True))),
            "validity": dg.MetadataValue.md(validity_markdown(run)),
            "calibration": dg.MetadataValue.md("\n\n".join(plots) or "no calibration data"),
        }
    )
    return table


class ExperimentReportConfig(dg.Config):
    config_path: str | None = None  # None: the deployment's file (ConfigFilesResource.experiments)


@dg.asset(
    group_name="experiments",
    kinds={"duckdb"},
    pool="duckdb_writer",
    ins=WINDOW_INS,
    io_manager_key="pointer_io_manager",
)
@fail_without_retry
def production_experiment_report(
    context: dg.AssetExecutionContext,
    config: ExperimentReportConfig,
    lake: LakeResource,
    warehouse: WarehouseResource,
    config_files: ConfigFilesResource,
    scrubbed_logs: dict[str, pa.Table],
    production_scores: dict[str, pd.DataFrame],
) -> dict:
    """Every declared production experiment read with SRM, session-clustered SEs, CUPED where a
    pre-period exists and always-valid sequential inference: ship / harm / keep running / srm_failed."""
    logs, scores = _frames(scrubbed_logs, production_scores)
    experiments = load_experiments(config.config_path or config_files.experiments)
    verdicts, reports, skipped = {}, [], {}
    now = dt.datetime.now(dt.UTC)
    out_dir = Path(lake.reports_root) / "experiments"
    for exp in experiments:
        try:
            reading = read_experiment(logs, scores, exp) if logs is not None else None
        except ValueError as e:  # no population calls, one arm only: say so, read the others
            skipped[exp.name] = str(e)
            continue
        if reading is None:
            skipped[exp.name] = "no scrubbed logs"
            continue
        tables = reading.tables()
        tables["experiment_reports"] = tables["experiment_reports"].assign(materialized_at=now)
        with warehouse.writer() as con:
            for name, df in tables.items():
                warehouse.get().replace_rows(name, df, {"experiment": exp.name}, con=con)
        images = {
            f"{m}: nightly readings": _img(sequential_plot(reading.result.readings, m), m)
            for m in exp.metrics
        }
        md = reading.markdown(images)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{exp.name}.md").write_text(reading.markdown(), encoding="utf-8")
        verdicts[exp.name] = reading.verdict
        reports.append(md)
    context.add_output_metadata(
        {
            "verdicts": dg.MetadataValue.json(verdicts),
            "skipped": dg.MetadataValue.json(skipped),
            "report": dg.MetadataValue.md("\n\n".join(reports) or "no experiment could be read"),
        }
    )
    return {"verdicts": verdicts, "skipped": skipped, "as_of": now.isoformat()}
