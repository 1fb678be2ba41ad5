"""Run-status sensors that chain the nightly eval across partitions definitions and start failure mining.

A job covers one partitions definition, so the nightly eval is four jobs; these sensors move a
night from one to the next.  Run keys make every step happen once per dataset version / report.
"""

import datetime as dt

import dagster as dg

from evalpipe.defs.automation.jobs import (
    eval_dataset_job,
    failure_mining_job,
    integration_eval_job,
    promotion_job,
    report_job,
    system_eval_job,
)
from evalpipe.defs.automation.schedules import CHAIN_TAG
from evalpipe.defs.inference.resources import SystemsResource

MINING_WINDOW_DAYS = 14


def _latest_metadata(instance: dg.DagsterInstance, key: str, partition: str | None = None) -> dict:
    """Metadata of the latest materialization of an asset (partition)."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(
            asset_key=dg.AssetKey(key), asset_partitions=[partition] if partition else None
        ),
        limit=1,
        ascending=False,
    ).records
    if not records:
        return {}
    mat = records[0].event_log_entry.asset_materialization
    return {k: v.value for k, v in (mat.metadata.items() if mat else [])}


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="integration_eval_chain_sensor",
    monitored_jobs=[integration_eval_job, eval_dataset_job, system_eval_job],
    request_jobs=[eval_dataset_job, system_eval_job, report_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="nightly chain: daily logs -> eval dataset -> every system -> report",
)
def integration_eval_chain_sensor(context: dg.RunStatusSensorContext, systems: SystemsResource):
    run = context.dagster_run
    tags = {CHAIN_TAG: run.tags.get(CHAIN_TAG, "manual")}
    if run.job_name == integration_eval_job.name:
        if CHAIN_TAG not in run.tags:  # manual ingests and backfills do not start an eval each
            return dg.SkipReason("not a chained run")
        return dg.RunRequest(job_name=eval_dataset_job.name, run_key=f"dataset-after-{run.run_id}", tags=tags)
    if run.job_name == eval_dataset_job.name:
        version = _latest_metadata(context.instance, "eval_dataset").get("version")
        names = systems.names()
        # In the same result as the runs: Dagster adds the partitions before it submits the runs.
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(
                    job_name=system_eval_job.name, partition_key=n, run_key=f"system-{n}-{version}", tags=tags
                )
                for n in names
            ],
            dynamic_partitions_requests=[systems.partitions_request(context.instance)],
        )
    if run.job_name == system_eval_job.name:
        version = _latest_metadata(context.instance, "eval_dataset").get("version")
        names = systems.names()
        done = [
            n
            for n in names
            if _latest_metadata(context.instance, "example_metrics", n).get("dataset_version") == version
        ]
        if len(done) < len(names):
            return dg.SkipReason(f"{len(done)}/{len(names)} systems scored on {version}")
        return dg.RunRequest(job_name=report_job.name, run_key=f"report-{version}", tags=tags)
    return dg.SkipReason(f"nothing chained after {run.job_name}")


def _mining_range(today: dt.date, available: list[str]) -> tuple[str, str] | None:
    days = [d for d in available if d < today.isoformat()][-MINING_WINDOW_DAYS:]
    return (days[0], days[-1]) if days else None


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="failure_mining_sensor",
    monitored_jobs=[report_job, failure_mining_job, promotion_job],
    request_jobs=[failure_mining_job, promotion_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="A blocked report or a negative-feedback drift alarm starts a failure-mining backfill.",
)
def failure_mining_sensor(context: dg.RunStatusSensorContext):
    run = context.dagster_run
    if run.job_name == failure_mining_job.name:
        return dg.RunRequest(job_name=promotion_job.name, run_key=f"promote-after-{run.run_id}")
    if run.job_name == promotion_job.name:
        return dg.SkipReason("promotion finished")
    report = _latest_metadata(context.instance, "comparison_report")
    drift = _latest_metadata(context.instance, "quality_drift")
    reasons = []
    if report.get("decision") == "block":
        reasons.append(f"report {report.get('report_id')} blocks")
    if drift.get("alarms", 0):
        reasons.append(f"{drift['alarms']} quality drift alarm(s)")
    if not reasons:
        return dg.SkipReason("report proceeds and no drift alarm: nothing to mine")
    available = sorted(context.instance.get_materialized_partitions(dg.AssetKey("scrubbed_logs")))
    rng = _mining_range(dt.datetime.now(dt.UTC).date(), available)
    if rng is None:
        return dg.SkipReason("no scrubbed days to mine")
    # One run over the whole range (single-run backfill policy of failure_cases).
    return dg.RunRequest(
        job_name=failure_mining_job.name,
        run_key=f"mining-{report.get('report_id')}-{rng[1]}",
        tags={
            "dagster/asset_partition_range_start": rng[0],
            "dagster/asset_partition_range_end": rng[1],
            "evalpipe/mining_reason": "; ".join(reasons),
        },
    )
