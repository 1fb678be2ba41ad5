"""SystemsResource: the one reader of systems.yaml in the Dagster layer and the one registrar of
the `systems` partitions (used by integration_eval_chain_sensor and the in-process demo)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml

from evalpipe.defs.automation.chain import integration_eval_chain_sensor
from evalpipe.defs.inference.resources import SystemsResource

DATA = Path(__file__).resolve().parents[2] / "data"


def _three_systems(tmp_path: Path) -> SystemsResource:
    doc = yaml.safe_load((DATA / "systems.yaml").read_text())
    doc["systems"]["another"] = {**doc["systems"]["candidate"], "description": "a third system"}
    path = tmp_path / "systems.yaml"
    path.write_text(yaml.safe_dump(doc))
    return SystemsResource(path=str(path))


def test_register_partitions_adds_only_the_missing_systems_and_keeps_old_ones(tmp_path):
    systems = _three_systems(tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("systems", ["baseline", "retired"])
    request = systems.partitions_request(instance)
    assert request.partitions_def_name == "systems"
    assert sorted(request.partition_keys or []) == ["another", "candidate"]
    assert systems.register_partitions(instance) == ["another", "baseline", "candidate"]
    assert sorted(instance.get_dynamic_partitions("systems")) == [
        "another",
        "baseline",
        "candidate",
        "retired",
    ]
    assert systems.register_partitions(instance) == ["another", "baseline", "candidate"]
    assert len(instance.get_dynamic_partitions("systems")) == 4, "registering twice adds nothing"
    assert not systems.partitions_request(instance).partition_keys


def test_spec_of_a_partition_not_in_the_file_fails_without_retry_naming_the_file(tmp_path):
    systems = _three_systems(tmp_path)
    assert systems.spec("another").description == "a third system"
    assert systems.spec("baseline").baseline
    with pytest.raises(dg.Failure) as err:
        systems.spec("retired")
    assert str(tmp_path / "systems.yaml") in str(err.value.description) and "retired" in str(
        err.value.description
    )
    assert err.value.allow_retries is False


def test_definitions_bind_the_systems_resource_to_settings_systems():
    from evalpipe.definitions import defs
    from evalpipe.settings import load_settings

    resource = defs().resources["systems"]
    assert isinstance(resource, SystemsResource)
    assert resource.path == load_settings().systems


def test_chain_sensor_registers_missing_systems_with_one_run_each_after_a_dataset(tmp_path):
    systems = _three_systems(tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("systems", ["baseline"])
    instance.report_runless_asset_event(
        dg.AssetMaterialization("eval_dataset", metadata={"version": "v_abc"})
    )

    @dg.op
    def noop() -> None: ...

    @dg.job(name="eval_dataset_job", tags={"evalpipe/chain": "nightly"})
    def fake_eval_dataset_job():
        noop()

    run = fake_eval_dataset_job.execute_in_process(instance=instance)
    ctx = dg.build_run_status_sensor_context(
        sensor_name="integration_eval_chain_sensor",
        dagster_instance=instance,
        dagster_run=run.dagster_run,
        dagster_event=run.get_run_success_event(),
        resources={"systems": systems},
    )
    result = integration_eval_chain_sensor(ctx)
    assert isinstance(result, dg.SensorResult)
    [add] = result.dynamic_partitions_requests or []
    assert sorted(add.partition_keys or []) == ["another", "candidate"]
    requests = sorted(result.run_requests or [], key=lambda r: r.partition_key or "")
    assert [(r.job_name, r.partition_key, r.run_key) for r in requests] == [
        ("system_eval_job", n, f"system-{n}-v_abc") for n in ("another", "baseline", "candidate")
    ]
    assert all(r.tags.get("evalpipe/chain") == "nightly" for r in requests)
