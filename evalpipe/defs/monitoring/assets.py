"""Daily production quality and its drift alarms."""

import base64
from typing import Any

import dagster as dg
import pandas as pd
import pyarrow as pa

from evalpipe.defs.failures import fail_without_retry
from evalpipe.defs.partitions import ALLOW_MISSING, daily_partitions
from evalpipe.defs.resources import WarehouseResource
from evalpipe.monitoring.quality import HIGHER_IS_WORSE, daily_log_quality, drift_status, production_quality
from evalpipe.monitoring.quality import quality_drift as compute_drift
from evalpipe.production.scoring import ProductionScoringConfig
from evalpipe.stats import plots


@dg.asset(
    partitions_def=daily_partitions,
    group_name="monitoring",
    kinds={"parquet", "duckdb"},
    pool="duckdb_writer",
)
@fail_without_retry
def daily_quality(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    scrubbed_logs: pa.Table,
    production_scores: pd.DataFrame,
) -> pd.DataFrame:
    """Per production model and day: error, negative-feedback and truncation rates, latency p50/p95,
    and the production metric rates / mean scores with session-clustered, design-weighted SEs."""
    q = pd.concat(
        [
            daily_log_quality(scrubbed_logs.to_pandas()),
            production_quality(production_scores, ProductionScoringConfig.load().quality_metrics),
        ],
        ignore_index=True,
    )
    if len(q):
        with warehouse.writer() as con:
            warehouse.get().replace_rows(
                "daily_quality", q.drop(columns=["latency_hist"]), {"day": context.partition_key}, con=con
            )
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
            # the whole history is recomputed each time: replace the table (an empty key would append)
            con.execute("DROP TABLE IF EXISTS quality_drift")
            warehouse.get().replace_rows("quality_drift", drift, {}, con=con)
    status = drift_status(drift)
    images: list[Any] = []
    drifted: list[Any] = []  # drifted series first
    now = {(a["system"], a["metric"]): a for a in status["cusum_alarms"]}
    for (system, metric), g in drift.groupby(["system", "metric"]) if len(drift) else []:
        # always the headline series; any other series while it is drifted, titled with since when
        if metric in ("error_rate", "negative_feedback_rate", "faithfulness") or (system, metric) in now:
            frame = g.set_index("day")[["value", "z", "s_hi", "s_lo", "alarm"]]
            a = now.get((system, metric))
            title = f"{metric} ({system})" + (
                f": DRIFTED since {a['since']} (onset ~{a['onset']})" if a else ""
            )
            png = plots.drift_plot(frame, title=title)
            md = f"![{metric}](data:image/png;base64,{base64.b64encode(png).decode()})"
            (drifted if a else images).append(md)
    yield dg.Output(
        drift,
        metadata={
            "days": int(series["day"].nunique()) if len(series) else 0,
            # series drifted on their latest day (what the sensor and the check act on)
            "alarms": len(status["cusum_alarms"]) + len(status["major_psi_days"]),
            "alarm_days": status["alarm_days"],
            "drifted_now": dg.MetadataValue.md(_drift_table(status["cusum_alarms"])),
            "plots": dg.MetadataValue.md("\n\n".join(drifted + images) or "-"),
        },
    )
    yield dg.AssetCheckResult(
        check_name="no_quality_drift",
        passed=status["passed"],
        severity=dg.AssetCheckSeverity.WARN,
        description=_drift_table(status["cusum_alarms"]) if status["cusum_alarms"] else None,
        metadata={
            "drifted": dg.MetadataValue.md(_drift_table(status["cusum_alarms"])),
            "cusum_alarms": dg.MetadataValue.json(status["cusum_alarms"]),
            "major_psi_days": dg.MetadataValue.json(status["major_psi_days"]),
            "alarm_days": status["alarm_days"],
        },
    )


def _drift_table(alarms: list[dict]) -> str:
    """Which series is drifted now, in which direction, since when (Markdown)."""
    if not alarms:
        return "no series drifted on its latest day"
    lines = [
        "| metric | system | worse when | alarm since | onset (CUSUM) | latest day |",
        "|---|---|---|---|---|---|",
    ]
    for a in alarms:
        worse = "higher" if HIGHER_IS_WORSE.get(a["metric"], False) else "lower"
        lines.append(
            f"| {a['metric']} | {a['system']} | {worse} | {a.get('since')} | {a.get('onset')} | {a['day']} |"
        )
    return "\n".join(lines)
