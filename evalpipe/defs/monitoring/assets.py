"""Daily production quality and its drift alarms."""

import base64

import dagster as dg
import pandas as pd
import pyarrow as pa

from evalpipe.defs.failures import fail_without_retry
from evalpipe.defs.partitions import ALLOW_MISSING, daily_partitions
from evalpipe.defs.resources import WarehouseResource
from evalpipe.monitoring.quality import daily_log_quality, drift_status
from evalpipe.monitoring.quality import quality_drift as compute_drift
from evalpipe.stats import plots


@dg.asset(partitions_def=daily_partitions, group_name="monitoring", kinds={"parquet"})
@fail_without_retry
def daily_quality(context: dg.AssetExecutionContext, scrubbed_logs: pa.Table) -> pd.DataFrame:
    """Per production model and day: error, negative-feedback and truncation rates, latency p50/p95."""
    q = daily_log_quality(scrubbed_logs.to_pandas())
    context.add_output_metadata(
        {
            "dagster/row_count": len(q),
            "values": dg.MetadataValue.md(
                q.drop(columns=["latency_hist"]).to_markdown(index=False) if len(q) else "no rows"
            ),
        }
    )
    return q


class DriftConfig(dg.Config):
    ref_days: int = 7  # burn-in: days before monitoring starts (the reference then grows day by day)
    k: float = 0.5
    h: float = 5.0
    max_ref_days: int = 90


@dg.asset(
    group_name="monitoring",
    kinds={"duckdb"},
    pool="duckdb_writer",
    ins={"daily_quality": dg.AssetIn(metadata=ALLOW_MISSING)},
    check_specs=[
        dg.AssetCheckSpec(
            "no_quality_drift",
            asset="quality_drift",
            description="A daily series whose self-starting CUSUM is above h on its latest day, or a major "
            "latency PSI (beyond its small-sample null) on the latest day",
        )
    ],
)
@fail_without_retry
def quality_drift(
    context: dg.AssetExecutionContext,
    config: DriftConfig,
    warehouse: WarehouseResource,
    daily_quality: dict[str, pd.DataFrame],
):
    """Self-starting CUSUM (k=0.5, h=5) on daily z-scores against all earlier days, plus latency PSI."""
    series = pd.concat(daily_quality.values(), ignore_index=True) if daily_quality else pd.DataFrame()
    drift = (
        compute_drift(
            series, ref_days=config.ref_days, k=config.k, h=config.h, max_ref_days=config.max_ref_days
        )
        if len(series)
        else pd.DataFrame()
    )
    if len(drift):
        with warehouse.writer() as con:
            warehouse.get().replace_rows("quality_drift", drift, {}, con=con)
    status = drift_status(drift)
    images = []
    for (system, metric), g in drift.groupby(["system", "metric"]) if len(drift) else []:
        if metric in ("error_rate", "negative_feedback_rate"):
            frame = g.set_index("day")[["value", "z", "s_hi", "s_lo", "alarm"]]
            png = plots.drift_plot(frame, title=f"{metric} ({system})")
            images.append(f"![{metric}](data:image/png;base64,{base64.b64encode(png).decode()})")
    yield dg.Output(
        drift,
        metadata={
            "days": int(series["day"].nunique()) if len(series) else 0,
            # series drifted on their latest day (what the sensor and the check act on)
            "alarms": len(status["cusum_alarms"]) + len(status["major_psi_days"]),
            "alarm_days": status["alarm_days"],
            "plots": dg.MetadataValue.md("\n\n".join(images) or "-"),
        },
    )
    yield dg.AssetCheckResult(
        check_name="no_quality_drift",
        passed=status["passed"],
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "cusum_alarms": dg.MetadataValue.json(status["cusum_alarms"]),
            "major_psi_days": dg.MetadataValue.json(status["major_psi_days"]),
            "alarm_days": status["alarm_days"],
        },
    )
