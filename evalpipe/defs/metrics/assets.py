"""Per-example metrics per system, and the judge's calibration against human labels."""

import dagster as dg
import pandas as pd

from evalpipe.config import MetricsFile, validate_config
from evalpipe.defs.failures import fail_without_retry
from evalpipe.defs.inference.partitions import systems_partitions
from evalpipe.defs.metrics.resources import JudgeResource
from evalpipe.defs.resources import ConfigFilesResource, LakeResource, WarehouseResource
from evalpipe.metrics import calibrate_judge, evaluate, load_metrics_config
from evalpipe.metrics.evaluator import judge_rows_last
from evalpipe.metrics.labels import load_label_set
from evalpipe.suites import DatasetRef


def _pii_detector(pii_config: str):
    """The no_pii metric detects with the deployment's scrubber settings (the same pii.yaml)."""
    from evalpipe.pii.config import load_scrubber_config
    from evalpipe.pii.scrubber import Scrubber

    scrubber = Scrubber(load_scrubber_config(pii_config))
    return lambda text: scrubber.analyze_texts([text])[0]


def _add_missing_columns(con, table: str, row: dict) -> None:
    """A table created by an older run lacks the newer calibration columns: add them (nullable)."""
    have = (
        {r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()}
        if con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
        ).fetchall()[0][0]  # fetchall: DuckDB 2 refuses new work while a result is half-read
        else None
    )
    if have is None:
        return
    kinds = {bool: "BOOLEAN", int: "BIGINT", float: "DOUBLE"}
    for k, v in row.items():
        if k not in have:
            con.execute(f'ALTER TABLE "{table}" ADD COLUMN "{k}" {kinds.get(type(v), "VARCHAR")}')


@dg.asset(group_name="metrics", pool="model", kinds={"duckdb"}, io_manager_key="pointer_io_manager")
@fail_without_retry
def judge_calibration(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    warehouse: WarehouseResource,
    judge: JudgeResource,
    config_files: ConfigFilesResource,
) -> dict:
    """Judge verdicts vs the human labels (shipped + imported review versions): quadratic kappa with
    a bootstrap CI, Spearman, per partition and per annotator, alpha between annotators; the
    floor applies to the CI lower bound."""
    j = judge.build(lake.cache_root)
    if j is None:
        return {"fingerprint": None, "calibrated": False, "reason": "judge is off"}
    jcfg = validate_config(load_metrics_config(config_files.metrics), MetricsFile, config_files.metrics).judge
    label_set = load_label_set(jcfg.labels_dir)
    labels = label_set.calibration_items()
    res, per_item = calibrate_judge(
        j,
        labels,
        kappa_floor=jcfg.kappa_floor,
        annotations=label_set.annotations[label_set.annotations["item_id"].isin(labels["id"])],
        n_boot=jcfg.bootstrap,
        ci_level=jcfg.kappa_ci_level,
    )
    row = res.row()
    row["label_versions"] = ",".join(["shipped", *label_set.versions])
    with warehouse.writer() as con:
        _add_missing_columns(con, "judge_calibration", row)
        warehouse.get().replace_rows("judge_calibration", pd.DataFrame([row]), {"judge": res.judge}, con=con)
        warehouse.get().replace_rows(
            "judge_calibration_items", per_item.assign(judge=res.judge), {"judge": res.judge}, con=con
        )
    parts = pd.DataFrame.from_dict(res.per_partition, orient="index")
    context.add_output_metadata(
        {
            **{
                k: v
                for k, v in row.items()
                if isinstance(v, (int, float, str, bool)) and k not in ("per_partition", "per_annotator")
            },
            "kappa_with_ci": res.kappa_text,
            "gates": res.calibrated,
            "per_partition": dg.MetadataValue.md(parts.to_markdown() if len(parts) else "none"),
            "per_annotator": dg.MetadataValue.json(res.per_annotator),
            "judge_statuses": dg.MetadataValue.json(per_item["judge_status"].value_counts().to_dict()),
        }
    )
    return {
        "fingerprint": res.judge,
        "mode": res.mode,
        "calibrated": res.calibrated,
        "reason": res.reason,
        "kappa": res.kappa_quadratic,
        "kappa_ci": [res.kappa_ci_low, res.kappa_ci_high],
        "kappa_text": res.kappa_text,
        "n": res.n,
        "n_failed": res.n_failed,
    }


@dg.asset(
    partitions_def=systems_partitions, group_name="metrics", pool="duckdb_writer", kinds={"parquet", "duckdb"}
)
@fail_without_retry
def example_metrics(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    warehouse: WarehouseResource,
    judge: JudgeResource,
    config_files: ConfigFilesResource,
    eval_dataset: DatasetRef,
    model_outputs: pd.DataFrame,
) -> pd.DataFrame:
    """Long table (dataset version, system, example, metric, value, passed, error); idempotent per version x system."""
    cfg = load_metrics_config(config_files.metrics)
    version, system = eval_dataset.version, context.partition_key
    dataset = eval_dataset.load()
    j = judge.build(lake.cache_root)
    verdicts: list[dict] = []
    metrics = judge_rows_last(
        evaluate(
            dataset,
            model_outputs,
            cfg,
            pii_detector=_pii_detector(config_files.pii),
            judge=j,
            judge_partitions=validate_config(cfg, MetricsFile, config_files.metrics).judge.partitions,
            dataset_version=version,
            judge_verdicts_out=verdicts,
        )
    )
    if j is not None and verdicts:  # what `evalpipe labels export` picks its review batch from
        overall = (
            metrics[metrics["metric"] == "overall"]
            .drop_duplicates("example_id")
            .set_index("example_id")["passed"]
        )
        jv = pd.DataFrame(verdicts).assign(dataset_version=version, system=system, judge=j.fingerprint)
        jv["metric_pass"] = jv["example_id"].map(overall).astype("boolean")
        with warehouse.writer() as con:
            warehouse.get().replace_rows(
                "judge_verdicts", jv, {"dataset_version": version, "system": system}, con=con
            )
    metrics["system"] = system
    with warehouse.writer() as con:
        warehouse.get().replace_rows(
            "example_metrics", metrics, {"dataset_version": version, "system": system}, con=con
        )
    overall = metrics[metrics["metric"] == "overall"]
    context.add_output_metadata(
        {
            "dagster/row_count": len(metrics),
            "dataset_version": version,
            "pass_rate_by_partition": dg.MetadataValue.json(
                overall.groupby("partition")["passed"].mean().round(4).to_dict()
            ),
            "metric_errors": int(metrics["error"].notna().sum()),
        }
    )
    return metrics
