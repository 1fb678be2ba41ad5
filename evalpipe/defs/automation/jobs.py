"""Jobs. A job covers one partitions definition, so the nightly eval is a chain of jobs:

integration_eval_job (daily: ingest -> scrub -> features -> sample -> daily quality)
  -> eval_dataset_job (unpartitioned: new dataset version over the window)
  -> system_eval_job, one run per system partition (outputs, hidden states, metrics)
  -> report_job (unpartitioned: calibration, comparison report, probes, prompt sensitivity, drift)
Each link is started by `integration_eval_chain_sensor` when the previous runs succeed.
"""

import dagster as dg

from evalpipe.defs.partitions import daily_partitions

DAILY_ASSETS = dg.AssetSelection.groups("ingest", "pii") | dg.AssetSelection.assets(
    "log_features", "stratified_sample")

integration_eval_job = dg.define_asset_job(
    "integration_eval_job", selection=DAILY_ASSETS, partitions_def=daily_partitions,
    description="Yesterday's logs: ingest, scrub (blocking no_pii_left), features, stratified sample; "
                "the chain sensor continues with the dataset, systems and report.")

eval_dataset_job = dg.define_asset_job(
    "eval_dataset_job", selection=dg.AssetSelection.assets("eval_dataset"),
    description="Build (or re-find) the eval dataset version over the sampled window.")
