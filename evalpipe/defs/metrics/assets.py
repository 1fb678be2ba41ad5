"""Per-example metrics per system, and the judge's calibration against human labels."""

import dagster as dg
import pandas as pd

from evalpipe.defs.inference.partitions import systems_partitions
from evalpipe.defs.metrics.resources import JudgeResource
from evalpipe.defs.resources import LakeResource, WarehouseResource
from evalpipe.metrics import calibrate_judge, evaluate, load_metrics_config
from evalpipe.suites import load_dataset

METRICS_CONFIG = "data/metrics.yaml"


def _pii_detector():
    from evalpipe.pii.config import load_scrubber_config
    from evalpipe.pii.scrubber import Scrubber

    scrubber = Scrubber(load_scrubber_config())
    return lambda text: scrubber.analyze_texts([text])[0]


@dg.asset(group_name="metrics", pool="model", kinds={"duckdb"}, io_manager_key="pointer_io_manager")
def judge_calibration(
    context: dg.AssetExecutionContext, lake: LakeResource, warehouse: WarehouseResource, judge: JudgeResource
) -> dict:
    """Judge verdicts vs the shipped human labels: quadratic kappa, TPR/TNR, calibrated or not."""
    j = judge.build(lake.cache_root)
    if j is None:
        return {"fingerprint": None, "calibrated": False, "reason": "judge is off"}
    floor = float(load_metrics_config(METRICS_CONFIG).get("judge", {}).get("kappa_floor", 0.6))
    res, per_item = calibrate_judge(j, kappa_floor=floor)
    row = res.to_dict()
    with warehouse.writer() as con:
        warehouse.get().replace_rows("judge_calibration", pd.DataFrame([row]), {"judge": res.judge}, con=con)
    context.add_output_metadata(
        {
            **{k: v for k, v in row.items() if isinstance(v, (int, float, str, bool))},
            "judge_statuses": dg.MetadataValue.json(per_item["judge_status"].value_counts().to_dict()),
        }
    )
    return {
        "fingerprint": res.judge,
        "calibrated": res.calibrated,
        "reason": res.reason,
        "kappa": res.kappa_quadratic,
    }


@dg.asset(
    partitions_def=systems_partitions, group_name="metrics", pool="duckdb_writer", kinds={"parquet", "duckdb"}
)
def example_metrics(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    warehouse: WarehouseResource,
    judge: JudgeResource,
    eval_dataset: dict,
    model_outputs: pd.DataFrame,
) -> pd.DataFrame:
    """Long table (dataset version, system, example, metric, value, passed, error); idempotent per version x system."""
    cfg = load_metrics_config(METRICS_CONFIG)
    version, system = eval_dataset["version"], context.partition_key
    dataset = load_dataset(eval_dataset["root"], version)
    metrics = evaluate(dataset, model_outputs, cfg, pii_detector=_pii_detector(), dataset_version=version)
    j = judge.build(lake.cache_root)
    judged_parts = cfg.get("judge", {}).get("partitions", ["golden"])
    if j is not None:
        subset = dataset[dataset["partition"].isin(judged_parts)]
        judged = evaluate(
            subset,
            model_outputs[model_outputs["example_id"].isin(subset["example_id"])],
            cfg,
            judge=j,
            pii_detector=lambda t: [],
            dataset_version=version,
        )
        metrics = pd.concat([metrics, judged[judged["metric"] == "judge_score"]], ignore_index=True)
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
