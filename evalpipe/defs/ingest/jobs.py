"""Jobs over the daily-partitioned ingest group."""

import dagster as dg

from evalpipe.defs.partitions import daily_partitions

ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=dg.AssetSelection.assets("raw_logs", "ingest_quarantine"),
    partitions_def=daily_partitions,
    description="Ingest one day of raw production logs into canonical rows and quarantine.",
)
