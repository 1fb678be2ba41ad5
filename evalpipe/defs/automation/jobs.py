"""Jobs. A job covers one partitions definition, so the nightly eval is a chain of jobs:

integration_eval_job (daily: ingest -> scrub -> features -> sample -> production scores -> daily quality)
  -> eval_dataset_job (unpartitioned: new dataset version over the window)
  -> system_eval_job, one run per system partition (outputs, hidden states, metrics)
  -> report_job (unpartitioned: calibration, comparison report, probes, prompt sensitivity, drift)
Each link is started by `integration_eval_chain_sensor` when the previous runs succeed.
Beside it, `production_monitoring_sensor` refreshes the unpartitioned production monitors
(`production_monitoring_job`: quality drift over every scored day) after each daily run.
"""

import dagster as dg

from evalpipe.defs.inference.partitions import systems_partitions
from evalpipe.defs.partitions import daily_partitions

DAILY_ASSETS = dg.AssetSelection.groups("ingest", "pii") | dg.AssetSelection.assets(
    "log_features", "stratified_sample", "production_scores", "daily_quality"
)

integration_eval_job = dg.define_asset_job(
    "integration_eval_job",
    selection=DAILY_ASSETS,
    partitions_def=daily_partitions,
    description="Yesterday's logs: ingest, scrub (blocking no_pii_left), features, stratified sample, "
    "production scores and daily quality; "
    "the chain sensor continues with the dataset, systems and report.",
)

eval_dataset_job = dg.define_asset_job(
    "eval_dataset_job",
    selection=dg.AssetSelection.assets("eval_dataset"),
    description="Build (or re-find) the eval dataset version over the sampled window.",
)

system_eval_job = dg.define_asset_job(
    "system_eval_job",
    selection=dg.AssetSelection.assets("model_outputs", "hidden_states", "example_metrics"),
    partitions_def=systems_partitions,
    description="One system under test on the current dataset version: outputs, hidden states, metrics.",
)

report_job = dg.define_asset_job(
    "report_job",
    selection=dg.AssetSelection.assets(
        "judge_calibration", "layer_probes", "prompt_sensitivity", "comparison_report"
    ),
    description="Judge calibration, layer probes, prompt sensitivity and the comparison report with the gate.",
)

failure_mining_job = dg.define_asset_job(
    "failure_mining_job",
    selection=dg.AssetSelection.assets("failure_cases"),
    partitions_def=daily_partitions,
    description="Mine failed production calls over a range of days (single-run backfill).",
)

promotion_job = dg.define_asset_job(
    "promotion_job",
    selection=dg.AssetSelection.assets("regression_promotions", "quality_drift"),
    description="Promote mined failures to regression cases; refresh the drift monitor.",
)

# Unpartitioned monitors over every scored day; a job covers one partitions definition, so this is
# its own job, started by `production_monitoring_sensor` after each successful daily run.
PRODUCTION_MONITORS = dg.AssetSelection.assets(
    "quality_drift", "metric_validity", "production_experiment_report"
)

production_monitoring_job = dg.define_asset_job(
    "production_monitoring_job",
    selection=PRODUCTION_MONITORS,
    description="Refresh the production monitors after a day is scored: CUSUM / PSI drift on every daily series, "
    "metric validity over the window and the running production experiments.",
)
