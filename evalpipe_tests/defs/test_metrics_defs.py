"""judge_calibration as a Dagster asset: every labelled item scored in logprob mode, kappa with a CI
in the warehouse, and a table created by an older run gains the new columns."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import dagster as dg
import pytest

from evalpipe.defs.metrics.assets import judge_calibration
from evalpipe.defs.metrics.resources import JudgeResource
from evalpipe.defs.resources import ConfigFilesResource, LakeResource, WarehouseResource
from evalpipe.warehouse.duck import Warehouse


@pytest.fixture(scope="module")
def tiny_client():
    import torch

    from evalpipe.inference.models import build_tiny_llama
    from evalpipe.metrics.local_judge import LocalModelJudgeClient

    torch.set_num_threads(2)
    model, tok = build_tiny_llama(seed=0, max_position_embeddings=1024)
    return LocalModelJudgeClient(model, tok, "tiny", batch_size=16)


def test_judge_calibration_asset_logprob_mode_scores_every_item(tmp_path, tiny_client, monkeypatch):
    from evalpipe.metrics.judge import PointwiseJudge

    class TinyJudge(JudgeResource):
        def build(self, cache_root: str):
            return PointwiseJudge(tiny_client, mode="logprob")

    wh_path = tmp_path / "wh.duckdb"
    # An older run's table, without the CI columns: the asset must add them, not fail.
    with Warehouse(wh_path, lake_root=None).writer() as con:
        con.execute("CREATE TABLE judge_calibration (judge VARCHAR, n BIGINT, kappa_quadratic DOUBLE)")
    monkeypatch.chdir(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    result = dg.materialize(
        [judge_calibration],
        resources={
            "judge": TinyJudge(),
            "lake": LakeResource(root=str(tmp_path / "lake"), cache_root=str(tmp_path / "cache")),
            "warehouse": WarehouseResource(path=str(wh_path), lake_root=str(tmp_path / "lake")),
            "pointer_io_manager": dg.FilesystemIOManager(base_dir=str(tmp_path / "ptr")),
            "config_files": ConfigFilesResource(),
        },
    )
    assert result.success
    out = result.output_for_node("judge_calibration")
    assert out["n"] == 109 and out["n_failed"] == 0 and out["mode"] == "logprob"
    assert out["kappa_ci"][0] <= out["kappa"] <= out["kappa_ci"][1]
    assert "95% CI" in out["kappa_text"] and "n=109" in out["kappa_text"]
    if not out["calibrated"]:
        assert out["kappa_text"] in out["reason"]  # the gate's reason names the measured figure
    wh = Warehouse(wh_path, lake_root=None)
    row = wh.query("SELECT * FROM judge_calibration").iloc[-1]
    assert row["kappa_ci_low"] == pytest.approx(out["kappa_ci"][0]) and row["mode"] == "logprob"
    items = wh.query("SELECT * FROM judge_calibration_items")
    assert len(items) == 109 and items["judge_distribution"].notna().all()
