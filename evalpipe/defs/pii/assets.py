"""PII scrubbing: nothing unscrubbed flows past this group."""

import dagster as dg
import pyarrow as pa

from evalpipe.defs.partitions import daily_partitions
from evalpipe.logs.schema import QUARANTINE_SCHEMA
from evalpipe.pii import SCRUBBER_VERSION
from evalpipe.pii.config import load_scrubber_config
from evalpipe.pii.scrubber import scrub_table

PII_INVENTORY_SCHEMA = pa.schema([("day", pa.string()), ("value", pa.string())])


class ScrubConfig(dg.Config):
    processes: int = 2
    settings_path: str = "data/pii.yaml"


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
            "Restricted zone; never logged.",
        ),
    },
    partitions_def=daily_partitions,
    group_name="pii",
    code_version=SCRUBBER_VERSION,
)
def scrubbed_logs(context: dg.AssetExecutionContext, config: ScrubConfig, raw_logs: pa.Table):
    """Presidio + evalpipe recognizers over every text field, both cores."""
    result = scrub_table(
        raw_logs, processes=config.processes, config=load_scrubber_config(config.settings_path)
    )
    failures = pa.Table.from_pandas(result.failures, schema=QUARANTINE_SCHEMA, preserve_index=False)
    day = context.partition_key
    inventory = pa.table(
        {"day": [day] * len(result.detected_values), "value": sorted(result.detected_values)},
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
