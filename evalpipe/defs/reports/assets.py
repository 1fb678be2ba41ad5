"""Comparison report (DuckDB + Markdown/HTML), layer probes and prompt sensitivity."""

import dagster as dg
import pandas as pd
import pyarrow as pa

from evalpipe.defs.failures import fail_without_retry
from evalpipe.defs.inference.resources import SystemsResource
from evalpipe.defs.partitions import ALLOW_MISSING
from evalpipe.defs.resources import ConfigFilesResource, LakeResource, WarehouseResource
from evalpipe.reports.assemble import load_report_config, probe_inputs, sensitivity_frame
from evalpipe.reports.comparison import (
    current_version,
    gating_validity_for,
    latest_validity_summary,
    run_comparison,
)
from evalpipe.stats import layer_probes as fit_layer_probes
from evalpipe.stats import plots
from evalpipe.stats import prompt_sensitivity as decompose
from evalpipe.suites import DatasetRef

# prompt_sensitivity keys shown in the asset's summary table (each must be a key the function returns)
SENSITIVITY_SUMMARY = (
    "prompt_icc",
    "residual_share",
    "flip_rate",
    "flip_rate_null",
    "excess_flip_rate",
    "p_value",
    "spread",
    "spread_p_value",
)


def _current(metrics: dict[str, pd.DataFrame], version: str) -> dict[str, pd.DataFrame]:
    """Only the systems scored on this dataset version."""
    return current_version(metrics, version)


@dg.asset(
    group_name="reports",
    kinds={"duckdb"},
    pool="duckdb_writer",
    io_manager_key="pointer_io_manager",
    ins={
        "example_metrics": dg.AssetIn(metadata=ALLOW_MISSING),
        "hidden_states": dg.AssetIn(metadata=ALLOW_MISSING),
    },
)
@fail_without_retry
def layer_probes(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    config_files: ConfigFilesResource,
    eval_dataset: DatasetRef,
    example_metrics: dict[str, pd.DataFrame],
    hidden_states: dict[str, pa.Table],
) -> dict:
    """Per-layer linear probes of correctness: grouped repeated CV with corrected CIs, item-level null, baselines."""
    cfg = load_report_config(config_files.report, baseline="")
    dataset = eval_dataset.load()
    frames, summaries, images = [], {}, {}
    for system, metrics in _current(example_metrics, eval_dataset.version).items():
        if system not in hidden_states:
            continue
        x, y, groups, baselines = probe_inputs(
            hidden_states[system],
            metrics,
            cfg.probes.get("label_metric", "overall"),
            cfg.probes.get("reduction", "mean_completion"),
            dataset,
        )
        if len(set(y)) < 2 or len(set(groups)) < 5:
            summaries[system] = {"skipped": f"labels {sorted(set(y))}, {len(set(groups))} groups"}
            continue
        per_layer, summary = fit_layer_probes(
            x,
            y,
            groups,
            baselines,
            n_repeats=int(cfg.probes.get("n_repeats", 3)),
            n_perm=int(cfg.probes.get("n_perm", 200)),
        )
        frames.append(per_layer.assign(system=system, dataset_version=eval_dataset.version))
        summaries[system] = {k: v for k, v in summary.items() if not isinstance(v, (list, dict))}
        images[system] = plots.auroc_depth_plot(per_layer, summary, title=f"Probe AUROC by depth: {system}")
    result = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(result):
        with warehouse.writer() as con:
            warehouse.get().replace_rows(
                "layer_probe_results", result, {"dataset_version": eval_dataset.version}, con=con
            )
    import base64

    md = "\n\n".join(
        f"### {s}\n![probe](data:image/png;base64,{base64.b64encode(png).decode()})"
        for s, png in images.items()
    )
    context.add_output_metadata(
        {"summaries": dg.MetadataValue.json(summaries), "plots": dg.MetadataValue.md(md or "no probe fitted")}
    )
    return {"per_layer": result, "summaries": summaries}


@dg.asset(
    group_name="reports",
    kinds={"duckdb"},
    pool="duckdb_writer",
    ins={"example_metrics": dg.AssetIn(metadata=ALLOW_MISSING)},
)
@fail_without_retry
def prompt_sensitivity(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    config_files: ConfigFilesResource,
    systems: SystemsResource,
    eval_dataset: DatasetRef,
    example_metrics: dict[str, pd.DataFrame],
) -> pd.DataFrame:
    """Items x paraphrases decomposition per system: prompt ICC, flip rate vs its null, Cochran's Q / Friedman, spread."""
    cfg = load_report_config(config_files.report, baseline="")
    dataset = eval_dataset.load()
    rows = []
    specs = systems.load() if systems.exists() else {}
    for system, metrics in _current(example_metrics, eval_dataset.version).items():
        # Greedy decoding + the (deterministic) configured metrics: no run-to-run noise, so the
        # flip rate's no-prompt-effect null is 0.  A sampled system's null is left unidentified.
        deterministic = system in specs and specs[system].decoding.greedy
        for metric in cfg.sensitivity.get("metrics", ["overall"]):
            frame = sensitivity_frame(metrics, dataset, metric)
            if frame["item_id"].nunique() < 3:
                continue
            res = decompose(
                frame, kind="binary" if metric == "overall" else None, deterministic=deterministic
            )
            for key, value in res.items():
                if isinstance(value, (int, float, bool)) or value is None:
                    rows.append(
                        {
                            "dataset_version": eval_dataset.version,
                            "system": system,
                            "metric": metric,
                            "key": key,
                            "value": None if value is None else float(value),
                        }
                    )
    out = pd.DataFrame(rows, columns=["dataset_version", "system", "metric", "key", "value"])
    if len(out):
        with warehouse.writer() as con:
            warehouse.get().replace_rows(
                "prompt_sensitivity_results", out, {"dataset_version": eval_dataset.version}, con=con
            )
    wide = (
        out.pivot_table(index=["system", "metric"], columns="key", values="value").reset_index()
        if len(out)
        else out
    )
    keep = [c for c in ("system", "metric", *SENSITIVITY_SUMMARY) if c in wide.columns]
    context.add_output_metadata(
        {
            "summary": dg.MetadataValue.md(
                wide[keep].to_markdown(index=False) if len(wide) else "no paraphrase groups"
            )
        }
    )
    return out


def _gating_validity(
    warehouse: WarehouseResource,
    cfg,
    report_path: str,
) -> tuple[pd.DataFrame, list[str], dict[str, str]]:
    """Latest production validity verdict per gating metric (none yet: an empty summary)."""
    return gating_validity_for(cfg, latest_validity_summary(warehouse.get().query), report_path)


@dg.asset(
    group_name="reports",
    kinds={"duckdb", "html"},
    pool="duckdb_writer",
    io_manager_key="pointer_io_manager",
    ins={"example_metrics": dg.AssetIn(metadata=ALLOW_MISSING)},
)
@fail_without_retry
def comparison_report(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    warehouse: WarehouseResource,
    config_files: ConfigFilesResource,
    systems: SystemsResource,
    eval_dataset: DatasetRef,
    example_metrics: dict[str, pd.DataFrame],
    judge_calibration: dict,
    layer_probes: dict,
    prompt_sensitivity: pd.DataFrame,
) -> dict:
    """Baseline vs each candidate: paired tests, CIs, family-wise gate, BH q, MDE, verdicts, golden gate."""
    run = run_comparison(
        example_metrics,
        eval_dataset.load(),
        version=eval_dataset.version,
        systems=systems.load(),
        report_config=config_files.report,
        judge_calibration=judge_calibration,
        validity_summary=latest_validity_summary(warehouse.get().query),
        layer_probes=layer_probes,
        prompt_sensitivity=prompt_sensitivity,
        reports_dir=lake.reports_root,
    )
    report = run.report
    with warehouse.writer() as con:
        for name, df in report.tables().items():
            warehouse.get().replace_rows(name, df, {"report_id": report.report_id}, con=con)
        warehouse.get().refresh_lake_views(
            con, assets=["model_outputs", "scrubbed_logs", "log_features", "stratified_sample"]
        )
    context.add_output_metadata(
        {
            "report_id": report.report_id,
            "decision": report.decision,
            "reasons": dg.MetadataValue.json(report.reasons),
            "report": dg.MetadataValue.md(report.markdown()),
            "html": dg.MetadataValue.path(str(run.files[0])),
            "comparisons": len(report.comparison),
            "judge": run.judge_note,
        }
    )
    return {"report_id": report.report_id, "decision": report.decision, "reasons": report.reasons}
