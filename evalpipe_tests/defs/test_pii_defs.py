"""The scrubbing wiring: counts reconcile, the blocking check stops downstream on residue."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest

import evalpipe.defs.pii.assets as pii_assets
from evalpipe.defs.datasets.assets import log_features
from evalpipe.defs.ingest.assets import raw_logs
from evalpipe.defs.pii.assets import scrubbed_logs
from evalpipe.defs.pii.checks import no_pii_left
from evalpipe_tests.defs.test_ingest_defs import _resources

DATA = Path(__file__).resolve().parents[2] / "data"
DAY = "2026-11-16"


def _run(tmp_path: Path):
    with dg.instance_for_test() as instance:
        return dg.materialize(
            [raw_logs, scrubbed_logs, no_pii_left, log_features],
            partition_key=DAY,
            resources=_resources(tmp_path),
            instance=instance,
            raise_on_error=False,
            run_config={"ops": {"scrubbed_logs": {"config": {"processes": 1}}}},
        )


@pytest.mark.slow
def test_scrubbed_partition_is_clean_and_downstream_runs(tmp_path):
    result = _run(tmp_path)
    assert result.success
    [check] = [c for c in result.get_asset_check_evaluations() if c.check_name == "no_pii_left"]
    assert check.passed
    md = {
        m.asset_key.to_user_string(): {k: v.value for k, v in m.metadata.items()}
        for m in result.asset_materializations_for_node("scrubbed_logs")
    }
    assert md["scrubbed_logs"]["reconciles"] and md["scrubbed_logs"]["rows_out"] == 275
    assert (tmp_path / "lake" / "log_features" / f"{DAY}.parquet").exists()
    gold = [json.loads(x) for x in (DATA / "gold" / "pii_gold.jsonl").read_text().splitlines()]
    values = {g["value"] for g in gold if g["day"] == DAY and len(g["value"]) >= 5}
    blob = (tmp_path / "lake" / "scrubbed_logs" / f"{DAY}.parquet").read_bytes()
    import pyarrow.parquet as pq

    text = json.dumps(
        pq.read_table(tmp_path / "lake" / "scrubbed_logs" / f"{DAY}.parquet").to_pylist(),
        default=str,
        ensure_ascii=False,
    )
    leaked = sorted(v for v in values if v in text)
    assert not leaked, f"{len(leaked)} gold values survived scrubbing"
    assert blob


def test_planted_residue_fails_the_check_and_stops_downstream(tmp_path, monkeypatch):
    real = pii_assets.scrub_table

    def leaky(table, **kw):
        res = real(table, **kw)
        rows = res.scrubbed.to_pylist()
        msgs = json.loads(rows[0]["input_messages"])
        msgs[-1]["parts"].append({"type": "text", "content": "card 4111 1111 1111 1111"})
        rows[0]["input_messages"] = json.dumps(msgs)
        import dataclasses

        return dataclasses.replace(res, scrubbed=pa.Table.from_pylist(rows, schema=res.scrubbed.schema))

    monkeypatch.setattr(pii_assets, "scrub_table", leaky)
    result = _run(tmp_path)
    assert not result.success
    [check] = [c for c in result.get_asset_check_evaluations() if c.check_name == "no_pii_left"]
    assert not check.passed and check.metadata["residue_count"].value >= 1
    assert "4111" not in json.dumps({k: str(v.value) for k, v in check.metadata.items()}), (
        "no values in metadata"
    )
    assert not result.asset_materializations_for_node("log_features")
    assert not (tmp_path / "lake" / "log_features").exists()
