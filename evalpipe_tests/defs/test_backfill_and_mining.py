"""Backfills over shipped days are idempotent; failure mining feeds the next dataset version."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from evalpipe.definitions import defs
from evalpipe.warehouse.duck import Warehouse

DATA = Path(__file__).resolve().parents[2] / "data"
DAYS = sorted(p.name for p in (DATA / "raw_logs").iterdir())


@pytest.fixture()
def env(tmp_path, monkeypatch):
    for name, sub in (
        ("EVALPIPE_LAKE", "lake"),
        ("EVALPIPE_RESTRICTED", "restricted"),
        ("EVALPIPE_CACHE", "cache"),
        ("EVALPIPE_REPORTS", "reports"),
    ):
        monkeypatch.setenv(name, str(tmp_path / sub))
    monkeypatch.setenv("EVALPIPE_WAREHOUSE", str(tmp_path / "wh" / "evalpipe.duckdb"))
    monkeypatch.setenv("EVALPIPE_JUDGE_MODE", "off")
    return tmp_path


def _counts(tmp: Path) -> dict[str, int]:
    out = {}
    for zone in ("lake", "restricted"):
        for f in sorted((tmp / zone).rglob("*.parquet")):
            out[str(f.relative_to(tmp))] = pq.read_metadata(f).num_rows
    wh = Warehouse(tmp / "wh" / "evalpipe.duckdb", lake_root=None)
    for table in ("ingest_stats", "ingest_quarantine_summary"):
        out[table] = int(wh.query(f"SELECT count(*) FROM {table}").iloc[0, 0])
    return out


@pytest.mark.slow
def test_backfill_of_all_shipped_days_twice_changes_no_row_counts(env):
    job = defs().resolve_job_def("integration_eval_job")
    snapshots = []
    with dg.instance_for_test() as instance:
        for _ in range(2):
            for day in DAYS:
                assert job.execute_in_process(
                    partition_key=day,
                    instance=instance,
                    run_config={"ops": {"scrubbed_logs": {"config": {"processes": 1}}}},
                ).success
            snapshots.append(_counts(env))
    assert snapshots[0] == snapshots[1]
    assert snapshots[0]["ingest_stats"] == 14
    accepted = sum(n for k, n in snapshots[0].items() if k.startswith("restricted/raw_logs/"))
    assert accepted == 4014  # 4,044 calls − 30 malformed units


@pytest.mark.slow
def test_failure_mining_turns_failures_into_the_next_dataset_versions_regression_partition(env):
    d = defs()
    day = DAYS[0]
    with dg.instance_for_test() as instance:
        assert (
            d.resolve_job_def("integration_eval_job")
            .execute_in_process(
                partition_key=day,
                instance=instance,
                run_config={"ops": {"scrubbed_logs": {"config": {"processes": 1}}}},
            )
            .success
        )
        first = d.resolve_job_def("eval_dataset_job").execute_in_process(instance=instance)
        v1 = first.output_for_node("eval_dataset").version
        mined = d.resolve_job_def("failure_mining_job").execute_in_process(
            instance=instance, partition_key=day
        )
        assert mined.success
        promo = d.resolve_job_def("promotion_job").execute_in_process(instance=instance)
        mats = [e.materialization for e in promo.get_asset_materialization_events()]
        md = {m.asset_key.to_user_string(): {k: v.value for k, v in m.metadata.items()} for m in mats}
        assert md["regression_promotions"]["added_to_regression"] > 0
        second = d.resolve_job_def("eval_dataset_job").execute_in_process(instance=instance)
        v2 = second.output_for_node("eval_dataset").version
    assert v2 != v1
    from evalpipe.suites import diff_versions, load_dataset

    root = env / "lake"
    diff = diff_versions(root, v1, v2)
    reg2 = load_dataset(root, v2)
    reg2 = reg2[reg2["partition"] == "regression"]
    added = set(diff["added"])
    assert added and added <= set(reg2["example_id"]), "the new cases arrive as regression items"
    mined_rows = reg2[reg2["example_id"].isin(added)]
    assert mined_rows["tags"].map(lambda t: "mined" in list(t)).all()
    # promoting again from the same logs adds nothing: the next version is unchanged
    with dg.instance_for_test() as instance:
        again = d.resolve_job_def("promotion_job").execute_in_process(instance=instance)
        md2 = {
            e.materialization.asset_key.to_user_string(): e.materialization.metadata
            for e in again.get_asset_materialization_events()
        }
    assert md2["regression_promotions"]["added_to_regression"].value == 0
