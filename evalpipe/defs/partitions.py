"""Partition definitions shared by every domain folder."""

import os

import dagster as dg

# The shipped sample logs start here; production deployments set EVALPIPE_FIRST_DAY.
FIRST_DAY = os.environ.get("EVALPIPE_FIRST_DAY", "2026-11-16")

daily_partitions = dg.DailyPartitionsDefinition(start_date=FIRST_DAY, timezone="UTC")
