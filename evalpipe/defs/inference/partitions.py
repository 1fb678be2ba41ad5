"""One partition per system under test, registered from the systems file (`Settings.systems`)."""

import dagster as dg

systems_partitions = dg.DynamicPartitionsDefinition(name="systems")
