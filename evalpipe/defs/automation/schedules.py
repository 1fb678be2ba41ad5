"""The nightly integration eval: yesterday's partition at 02:00 UTC, then the chain sensor takes over."""

import dagster as dg

from evalpipe.defs.automation.jobs import integration_eval_job

CHAIN_TAG = "evalpipe/chain"

nightly_eval_schedule = dg.build_schedule_from_partitioned_job(
    integration_eval_job,
    name="nightly_eval_schedule",
    hour_of_day=2,
    minute_of_hour=0,
    tags={CHAIN_TAG: "nightly"},
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="02:00 UTC: yesterday's logs -> sample; the chain sensor continues to dataset, systems, report.",
)
