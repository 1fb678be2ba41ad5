"""Schedule and chain sensors, evaluated against an ephemeral instance."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from evalpipe.definitions import defs


def test_nightly_schedule_targets_yesterdays_partition_at_0200_utc():
    d = defs()
    schedule = d.resolve_schedule_def("nightly_eval_schedule")
    assert schedule.cron_schedule == "0 2 * * *" and schedule.job_name == "integration_eval_job"
    # An ephemeral instance, not `with instance_for_test()`: the schedule context enters the
    # instance again inside, and the nested exits leave Dagster's defs-state context variable on
    # the closed test instance; a later `defs()` then fails once that instance is collected.
    instance = dg.DagsterInstance.ephemeral()
    ctx = dg.build_schedule_context(
        instance=instance,
        repository_def=d.get_repository_def(),
        scheduled_execution_time=dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC),
    )
    result = schedule.evaluate_tick(ctx)
    [req] = result.run_requests
    assert req.partition_key == "2026-11-29"
    assert req.tags.get("evalpipe/chain") == "nightly"


def test_jobs_respect_one_partitions_definition_each():
    d = defs()
    parts = {
        name: d.resolve_job_def(name).partitions_def
        for name in (
            "integration_eval_job",
            "eval_dataset_job",
            "system_eval_job",
            "report_job",
            "failure_mining_job",
            "promotion_job",
            "ingest_job",
            "production_monitoring_job",
        )
    }
    assert parts["integration_eval_job"] == parts["failure_mining_job"] == parts["ingest_job"]
    assert parts["system_eval_job"].name == "systems"
    assert (
        parts["eval_dataset_job"] is None and parts["report_job"] is None and parts["promotion_job"] is None
    )
    assert parts["production_monitoring_job"] is None


def test_asset_graph_snapshot():
    """Catch accidental changes to keys, groups and partitioning (update deliberately)."""
    d = defs()
    graph = d.resolve_asset_graph()
    snap = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        p = node.partitions_def
        snap[key.to_user_string()] = (node.group_name, type(p).__name__ if p else None)
    assert snap == {
        "raw_logs": ("ingest", "DailyPartitionsDefinition"),
        "ingest_quarantine": ("ingest", "DailyPartitionsDefinition"),
        "scrubbed_logs": ("pii", "DailyPartitionsDefinition"),
        "scrub_quarantine": ("pii", "DailyPartitionsDefinition"),
        "pii_inventory": ("pii", "DailyPartitionsDefinition"),
        "log_features": ("datasets", "DailyPartitionsDefinition"),
        "stratified_sample": ("datasets", "DailyPartitionsDefinition"),
        "eval_dataset": ("datasets", None),
        "model_outputs": ("inference", "DynamicPartitionsDefinition"),
        "hidden_states": ("inference", "DynamicPartitionsDefinition"),
        "example_metrics": ("metrics", "DynamicPartitionsDefinition"),
        "judge_calibration": ("metrics", None),
        "layer_probes": ("reports", None),
        "prompt_sensitivity": ("reports", None),
        "comparison_report": ("reports", None),
        "daily_quality": ("monitoring", "DailyPartitionsDefinition"),
        "quality_drift": ("monitoring", None),
        "production_scores": ("production", "DailyPartitionsDefinition"),
        "metric_validity": ("experiments", None),
        "production_experiment_report": ("experiments", None),
        "failure_cases": ("mining", "DailyPartitionsDefinition"),
        "regression_promotions": ("mining", None),
    }
    check_names = {k.name for k in graph.asset_check_keys}
    assert {"no_pii_left", "quarantine_rate_below_5_percent", "no_quality_drift"} <= check_names
    assert {"every_sampled_call_scored", "metric_errors_below_1_percent"} <= check_names
