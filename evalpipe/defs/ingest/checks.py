"""Checks on ingestion: a quarantine spike means a producer changed its format."""

import dagster as dg
import pyarrow as pa

from evalpipe.defs.partitions import daily_partitions

MAX_QUARANTINE_RATE = 0.05


@dg.asset_check(
    asset="ingest_quarantine",
    additional_ins={"raw_logs": dg.AssetIn("raw_logs")},
    partitions_def=daily_partitions,
    blocking=False,
)
def quarantine_rate_below_5_percent(ingest_quarantine: pa.Table, raw_logs: pa.Table) -> dg.AssetCheckResult:
    """Warn (not block) when more than 5% of a day's records are rejected."""
    total = ingest_quarantine.num_rows + raw_logs.num_rows
    rate = ingest_quarantine.num_rows / total if total else 0.0
    return dg.AssetCheckResult(
        passed=rate <= MAX_QUARANTINE_RATE,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"quarantine_rate": rate, "quarantined": ingest_quarantine.num_rows},
    )
