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
    """Catch accidental changes to keys, groups, partitioning, dependencies, checks, jobs,
    schedules and sensors (update deliberately, in the same commit as the change)."""
    d = defs()
    graph = d.resolve_asset_graph()
    snap = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        p = node.partitions_def
        deps = tuple(sorted(k.to_user_string() for k in node.parent_keys))
        snap[key.to_user_string()] = (node.group_name, type(p).__name__ if p else None, deps)
    daily, dyn = "DailyPartitionsDefinition", "DynamicPartitionsDefinition"
    assert snap == {
        "raw_logs": ("ingest", daily, ()),
        "ingest_quarantine": ("ingest", daily, ()),
        "scrubbed_logs": ("pii", daily, ("raw_logs",)),
        "scrub_quarantine": ("pii", daily, ("raw_logs",)),
        "pii_inventory": ("pii", daily, ("raw_logs",)),
        "log_features": ("datasets", daily, ("scrubbed_logs",)),
        "stratified_sample": ("datasets", daily, ("log_features",)),
        "eval_dataset": ("datasets", None, ("scrubbed_logs", "stratified_sample")),
        "model_outputs": ("inference", dyn, ("eval_dataset",)),
        "hidden_states": ("inference", dyn, ("model_outputs",)),
        "example_metrics": ("metrics", dyn, ("eval_dataset", "model_outputs")),
        "judge_calibration": ("metrics", None, ()),
        "layer_probes": ("reports", None, ("eval_dataset", "example_metrics", "hidden_states")),
        "prompt_sensitivity": ("reports", None, ("eval_dataset", "example_metrics")),
        "comparison_report": (
            "reports",
            None,
            ("eval_dataset", "example_metrics", "judge_calibration", "layer_probes", "prompt_sensitivity"),
        ),
        "daily_quality": ("monitoring", daily, ("production_scores", "scrubbed_logs")),
        "quality_drift": ("monitoring", None, ("daily_quality",)),
        "production_scores": ("production", daily, ("scrubbed_logs",)),
        "metric_validity": ("experiments", None, ("production_scores", "scrubbed_logs")),
        "production_experiment_report": ("experiments", None, ("production_scores", "scrubbed_logs")),
        "failure_cases": ("mining", daily, ("scrubbed_logs",)),
        "regression_promotions": ("mining", None, ("eval_dataset", "example_metrics", "failure_cases")),
    }
    assert sorted((k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys) == [
        ("ingest_quarantine", "quarantine_rate_below_5_percent"),
        ("production_scores", "every_sampled_call_scored"),
        ("production_scores", "metric_errors_below_1_percent"),
        ("quality_drift", "no_quality_drift"),
        ("scrubbed_logs", "no_pii_left"),
    ]
    jobs = {
        j.name: sorted(k.to_user_string() for k in j.asset_layer.selected_asset_keys)
        for j in d.resolve_all_job_defs()
        if not j.name.startswith("__")
    }
    assert jobs == {
        "ingest_job": ["ingest_quarantine", "raw_logs"],
        "integration_eval_job": [
            "daily_quality",
            "ingest_quarantine",
            "log_features",
            "pii_inventory",
            "production_scores",
            "raw_logs",
            "scrub_quarantine",
            "scrubbed_logs",
            "stratified_sample",
        ],
        "eval_dataset_job": ["eval_dataset"],
        "system_eval_job": ["example_metrics", "hidden_states", "model_outputs"],
        "report_job": ["comparison_report", "judge_calibration", "layer_probes", "prompt_sensitivity"],
        "failure_mining_job": ["failure_cases"],
        "production_monitoring_job": ["metric_validity", "production_experiment_report", "quality_drift"],
        "promotion_job": ["quality_drift", "regression_promotions"],
    }
    assert {s.name: (s.cron_schedule, s.job_name) for s in d.schedules} == {
        "nightly_eval_schedule": ("0 2 * * *", "integration_eval_job")
    }
    assert sorted((s.name, type(s).__name__) for s in d.sensors) == [
        ("experiment_boundary_sensor", "SensorDefinition"),
        ("failure_mining_sensor", "RunStatusSensorDefinition"),
        ("integration_eval_chain_sensor", "RunStatusSensorDefinition"),
        ("new_raw_logs_sensor", "SensorDefinition"),
        ("production_monitoring_sensor", "RunStatusSensorDefinition"),
        ("run_failure_alert_sensor", "RunStatusSensorDefinition"),
    ]
