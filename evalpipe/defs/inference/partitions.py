"""One partition per system under test, registered from data/systems.yaml."""

import os

import dagster as dg

SYSTEMS_PATH = os.environ.get("EVALPIPE_SYSTEMS", "data/systems.yaml")

systems_partitions = dg.DynamicPartitionsDefinition(name="systems")
