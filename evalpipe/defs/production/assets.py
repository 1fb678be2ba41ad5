"""Production calls scored every day: reference-free metrics on `scrubbed_logs` (group `production`)."""

import dagster as dg
import pyarrow as pa

from evalpipe.config import MetricsFile, load_config
from evalpipe.defs.failures import fail_without_retry
from evalpipe.defs.metrics.resources import JudgeResource
from evalpipe.defs.partitions import daily_partitions
from evalpipe.defs.resources import ConfigFilesResource, LakeResource, WarehouseResource
from evalpipe.metrics import default_embedder
from evalpipe.production.scoring import SCORING_VERSION, ProductionScoringConfig, score_calls, scoring_summary


class ProductionScoresConfig(dg.Config):
    config_path: str | None = None  # None: the deployment's file (ConfigFilesResource.production_scores)


def _judge_if_calibrated(judge: JudgeResource, lake: LakeResource, warehouse: WarehouseResource):
    """The judge only when its latest calibration passed (judge_calibration table), else None."""
    j = judge.build(lake.cache_root)
    if j is None:
        return None, "judge is off"
    try:
        rows = warehouse.get().query(
            "SELECT calibrated FROM judge_calibration WHERE judge = ? ORDER BY rowid DESC LIMIT 1",
            [j.fingerprint],
        )
    except Exception:  # no calibration yet: an uncalibrated judge never scores production
        return None, "judge not calibrated yet"
    ok = bool(len(rows)) and bool(rows["calibrated"].iloc[0])
    return (j, "calibrated") if ok else (None, "judge uncalibrated")


@dg.asset(
    partitions_def=daily_partitions,
    group_name="production",
    kinds={"parquet", "duckdb"},
    pool="duckdb_writer",
    code_version=SCORING_VERSION,
    check_specs=[
        dg.AssetCheckSpec(
            "every_sampled_call_scored",
            asset="production_scores",
            description="Every drawn call has one row per metric, and drawn + not drawn = the day's calls",
        ),
        dg.AssetCheckSpec(
            "metric_errors_below_1_percent",
            asset="production_scores",
            description="Rows whose metric raised (status error) are under 1% of the checkable rows",
        ),
    ],
)
@fail_without_retry
def production_scores(
    context: dg.AssetExecutionContext,
    config: ProductionScoresConfig,
    lake: LakeResource,
    warehouse: WarehouseResource,
    judge: JudgeResource,
    config_files: ConfigFilesResource,
    scrubbed_logs: pa.Table,
):
    """Long table (day, call, session, production model, metric, value, weight, status): faithfulness
    to the call's own context, constraints, tool errors, retries; idempotent per day."""
    cfg = ProductionScoringConfig.load(config.config_path or config_files.production_scores)
    calls = scrubbed_logs.to_pandas()
    j, judge_state = (None, "disabled in config")
    if cfg.judge_enabled:
        j, judge_state = _judge_if_calibrated(judge, lake, warehouse)
    emb_cfg = load_config(config_files.metrics, MetricsFile).embedding
    scores = score_calls(
        calls, default_embedder(emb_cfg.cache_dir), cfg, judge=j, judge_calibrated=j is not None
    )
    day = context.partition_key
    with warehouse.writer() as con:
        warehouse.get().replace_rows("production_scores", scores, {"day": day}, con=con)
    summary = scoring_summary(calls, scores)
    yield dg.Output(
        scores,
        metadata={
            "dagster/row_count": len(scores),
            **{k: v for k, v in summary.items() if k != "by_metric"},
            "judge": judge_state,
            "by_metric": dg.MetadataValue.md(
                summary["by_metric"].to_markdown(index=False) if len(scores) else "-"
            ),
        },
    )
    yield dg.AssetCheckResult(
        check_name="every_sampled_call_scored",
        passed=bool(summary["reconciles"]),
        metadata={k: summary[k] for k in ("calls", "calls_scored", "calls_not_sampled", "rows_expected")},
    )
    yield dg.AssetCheckResult(
        check_name="metric_errors_below_1_percent",
        passed=summary["error_share"] < 0.01,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"error_rows": summary["error_rows"], "error_share": summary["error_share"]},
    )
