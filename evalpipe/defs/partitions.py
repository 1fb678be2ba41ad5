"""Partition definitions shared by every domain folder."""

import os

import dagster as dg

# The shipped sample logs start here; production deployments set EVALPIPE_FIRST_DAY.
FIRST_DAY = os.environ.get("EVALPIPE_FIRST_DAY", "2026-11-16")

daily_partitions = dg.DailyPartitionsDefinition(start_date=FIRST_DAY, timezone="UTC")

# Metadata for an `AssetIn` that reads every materialized partition of a partitioned upstream and
# skips the missing ones (a day without logs) instead of failing the run.
ALLOW_MISSING = {"allow_missing_partitions": True}
