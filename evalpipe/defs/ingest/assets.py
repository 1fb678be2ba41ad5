"""Raw production logs -> canonical `llm_call` rows (restricted zone) + quarantine."""

import json

import dagster as dg
import pyarrow as pa
from upath import UPath

from evalpipe.defs.failures import fail_without_retry
from evalpipe.defs.partitions import daily_partitions
from evalpipe.defs.resources import LogSourceResource, WarehouseResource
from evalpipe.logs.errors import SourceError
from evalpipe.logs.ingest import ingest_day
from evalpipe.logs.schema import SCHEMA_VERSION


@dg.multi_asset(
    outs={
        "raw_logs": dg.AssetOut(
            io_manager_key="restricted_io_manager",
            description="Canonical llm_call rows, one per model call, before PII scrubbing. Restricted zone.",
            kinds={"parquet"},
        ),
        "ingest_quarantine": dg.AssetOut(
            io_manager_key="restricted_io_manager",
            description="Every rejected unit with its reason code and raw bytes. Restricted zone.",
            kinds={"parquet"},
        ),
    },
    partitions_def=daily_partitions,
    group_name="ingest",
    pool="duckdb_writer",
    code_version=SCHEMA_VERSION,
)
@fail_without_retry
def raw_logs(context: dg.AssetExecutionContext, log_source: LogSourceResource, warehouse: WarehouseResource):
    """Read the day's folder of the source location in every supported format."""
    day = context.partition_key
    cfg = log_source.config()
    try:
        rows, quarantine, stats = ingest_day(UPath(cfg.source_root), day, cfg)
    except SourceError as e:  # a delivery problem, not a code bug: say so plainly in the UI
        raise dg.Failure(description=str(e), allow_retries=False) from e
    problems = stats.problems()
    if problems:  # a whole file unread must not pass as an empty (or thinner) partition
        raise dg.Failure(
            description=f"{day}: " + "; ".join(problems),
            metadata={"read": stats.read, "quarantined": stats.quarantined, "skipped": stats.skipped},
            allow_retries=False,
        )
    for w in stats.warnings:
        context.log.warning(f"{day}: {w}")
    counts = stats.as_dict()
    with warehouse.writer() as con:
        warehouse.get().replace_rows(
            "ingest_stats",
            pa.table(
                {
                    "day": [day],
                    "read": [stats.read],
                    "accepted": [stats.accepted],
                    "quarantined": [stats.quarantined],
                    "skipped": [stats.skipped],
                    "quarantined_by_reason": [json.dumps(counts["quarantined_by_reason"])],
                    "skipped_by_reason": [json.dumps(counts["skipped_by_reason"])],
                    "accepted_by_format": [json.dumps(counts["accepted_by_format"])],
                }
            ),
            {"day": day},
            con=con,
        )
        # Reasons and locations only: the raw bytes stay in the restricted zone.
        warehouse.get().replace_rows(
            "ingest_quarantine_summary", quarantine.drop_columns(["raw"]), {"day": day}, con=con
        )
    context.log.info(f"{day}: {counts}")
    yield dg.Output(
        rows,
        output_name="raw_logs",
        metadata={
            "read": stats.read,
            "accepted": stats.accepted,
            "quarantined": stats.quarantined,
            "skipped": stats.skipped,
            "reconciles": stats.reconciles(),
            "accepted_by_format": counts["accepted_by_format"],
            "skipped_by_reason": counts["skipped_by_reason"],
            "warnings": dg.MetadataValue.json(counts["warnings"]),
            "dagster/row_count": rows.num_rows,
            "schema_version": SCHEMA_VERSION,
        },
    )
    yield dg.Output(
        quarantine,
        output_name="ingest_quarantine",
        metadata={
            "dagster/row_count": quarantine.num_rows,
            "quarantined_by_reason": counts["quarantined_by_reason"],
        },
    )
