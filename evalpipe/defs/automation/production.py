"""After each daily run (nightly or a re-ingest) scored a day, refresh the production monitors."""

from collections.abc import Mapping

import dagster as dg

from evalpipe.defs.automation.jobs import integration_eval_job, production_monitoring_job


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="production_monitoring_sensor",
    monitored_jobs=[integration_eval_job],
    request_job=production_monitoring_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="A day's production calls were scored: refresh quality drift (and the other production monitors).",
)
def production_monitoring_sensor(context: dg.RunStatusSensorContext):
    run = context.dagster_run
    return refresh_request(run.run_id, run.tags)


def refresh_request(run_id: str, tags: Mapping[str, str]) -> dg.RunRequest:
    """One refresh per finished daily run; a re-run of the same day refreshes again (new scores)."""
    day = tags.get("dagster/partition") or tags.get("dagster/asset_partition_range_end", "range")
    return dg.RunRequest(run_key=f"production-monitors-after-{run_id}", tags={"evalpipe/scored_day": day})
