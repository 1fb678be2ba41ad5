"""One partition per system under test; `SystemsResource.partitions_request` is the one place that
adds them (from the systems file, `Settings.systems`), returned by integration_eval_chain_sensor
after a new dataset and applied directly by the in-process demo."""

import dagster as dg

systems_partitions = dg.DynamicPartitionsDefinition(name="systems")
