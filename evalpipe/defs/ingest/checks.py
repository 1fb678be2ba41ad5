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
    """Warn (not block) when more than 5% of a day's records are rejected; fail when none is accepted.

    A day with no accepted record is not "0% rejected": 0 / 0 is no evidence that ingestion
    worked, so it fails at ERROR severity.
    """
    total = ingest_quarantine.num_rows + raw_logs.num_rows
    if raw_logs.num_rows == 0:
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            description=f"no record accepted ({ingest_quarantine.num_rows} quarantined): nothing was ingested",
            metadata={
                "quarantine_rate": 1.0 if total else None,
                "quarantined": ingest_quarantine.num_rows,
                "accepted": 0,
            },
        )
    rate = ingest_quarantine.num_rows / total
    return dg.AssetCheckResult(
        passed=rate <= MAX_QUARANTINE_RATE,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "quarantine_rate": rate,
            "quarantined": ingest_quarantine.num_rows,
            "accepted": raw_logs.num_rows,
        },
    )
