"""Partition definitions shared by every domain folder."""

import dagster as dg

from evalpipe.settings import FIRST_DAY

# Built at import from a constant: the partitions definition is part of the asset graph, and
# nothing in the Dagster layer reads the environment at import (evalpipe.settings).
daily_partitions = dg.DailyPartitionsDefinition(start_date=FIRST_DAY, timezone="UTC")

# Metadata for an `AssetIn` that reads every materialized partition of a partitioned upstream and
# skips the missing ones (a day without logs) instead of failing the run.
ALLOW_MISSING = {"allow_missing_partitions": True}
