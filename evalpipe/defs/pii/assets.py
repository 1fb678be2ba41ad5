"""PII scrubbing: nothing unscrubbed flows past this group."""

import dagster as dg
import pyarrow as pa

from evalpipe.defs.failures import fail_without_retry
from evalpipe.defs.partitions import daily_partitions
from evalpipe.defs.resources import ConfigFilesResource
from evalpipe.logs.schema import QUARANTINE_SCHEMA
from evalpipe.pii import SCRUBBER_VERSION
from evalpipe.pii.config import load_scrubber_config
from evalpipe.pii.scrubber import scrub_table

# One row per distinct raw value found: what it is, which detector found it, how sure it was, and
# whether the partition-wide sweep propagated it (only confident, non-dictionary values are).
PII_INVENTORY_SCHEMA = pa.schema(
    [
        ("day", pa.string()),
        ("value", pa.string()),
        ("entity", pa.string()),
        ("detector", pa.string()),
        ("score", pa.float64()),
        ("propagated", pa.bool_()),
    ]
)


class ScrubConfig(dg.Config):
    processes: int = 2
    settings_path: str | None = (
        None  # default: the configured pii.yaml (config_files.pii), as the no_pii metric
    )


@dg.multi_asset(
    outs={
        "scrubbed_logs": dg.AssetOut(
            description="Canonical rows with every PII value and secret replaced by a typed keyed pseudonym.",
            kinds={"parquet"},
        ),
        "scrub_quarantine": dg.AssetOut(
            io_manager_key="restricted_io_manager",
            description="Rows whose scrubbing raised (fail closed); the raw row stays in raw_logs.",
        ),
        "pii_inventory": dg.AssetOut(
            io_manager_key="restricted_io_manager",
            description="Distinct raw values the scrubber found, for the no_pii_left exact-match re-scan. "
            "Restricted zone; never logged. Per value: entity, detector, score, propagated by the sweep.",
        ),
    },
    partitions_def=daily_partitions,
    group_name="pii",
    code_version=SCRUBBER_VERSION,
)
@fail_without_retry
def scrubbed_logs(
    context: dg.AssetExecutionContext,
    config: ScrubConfig,
    config_files: ConfigFilesResource,
    raw_logs: pa.Table,
):
    """Presidio + evalpipe recognizers over every text field, both cores."""
    settings = load_scrubber_config(config.settings_path or config_files.pii)
    result = scrub_table(raw_logs, processes=config.processes, config=settings)
    failures = pa.Table.from_pandas(result.failures, schema=QUARANTINE_SCHEMA, preserve_index=False)
    day = context.partition_key
    inv = result.inventory
    inventory = pa.table(
        {
            "day": [day] * len(inv),
            "value": inv["value"].astype(str).tolist(),
            "entity": inv["entity"].astype(str).tolist(),
            "detector": inv["detector"].astype(str).tolist(),
            "score": inv["score"].astype(float).tolist(),
            "propagated": inv["propagated"].astype(bool).tolist(),
        },
        schema=PII_INVENTORY_SCHEMA,
    )
    n_in, n_out = raw_logs.num_rows, result.scrubbed.num_rows
    yield dg.Output(
        result.scrubbed,
        output_name="scrubbed_logs",
        metadata={
            "rows_in": n_in,
            "rows_out": n_out,
            "scrub_failures": failures.num_rows,
            "reconciles": n_in == n_out + failures.num_rows,
            "scrubber_version": SCRUBBER_VERSION,
            "entities_replaced": dg.MetadataValue.json(result.counts_by_entity),
            "dagster/row_count": n_out,
        },
    )
    yield dg.Output(
        failures, output_name="scrub_quarantine", metadata={"dagster/row_count": failures.num_rows}
    )
    yield dg.Output(inventory, output_name="pii_inventory", metadata={"distinct_values": inventory.num_rows})
