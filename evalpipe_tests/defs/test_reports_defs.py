"""comparison_report wiring: every documented report table is written for the report's id."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evalpipe.defs.reports.assets as report_assets
from evalpipe.defs.inference.resources import SystemsResource
from evalpipe.defs.resources import ConfigFilesResource, LakeResource, WarehouseResource
from evalpipe.suites import DatasetRef
from evalpipe.warehouse.duck import Warehouse

VERSION = "ds_test"


def _dataset(n: int = 60) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "example_id": [f"e{i}" for i in range(n)],
            "partition": ["golden" if i < 5 else "distribution" for i in range(n)],
            "tags": [["intent:billing"] for _ in range(n)],
            "stratum": [None] * n,
            "constraints": [None] * n,
            "paraphrase_of": [None] * n,
            "paraphrase_id": [None] * n,
            "weight": [1.0] * n,
        }
    )


def _metrics(system: str, n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    passed = [True if i < 5 else bool(rng.random() < 0.7) for i in range(n)]
    return pd.DataFrame(
        {
            "system": system,
            "example_id": [f"e{i}" for i in range(n)],
            "metric": "overall",
            "value": [float(p) for p in passed],
            "passed": passed,
            "error": None,
            "dataset_version": VERSION,
        }
    )


def test_comparison_report_writes_prompt_sensitivity_rows_queryable_by_report_id(tmp_path, monkeypatch):
    import dagster as dg

    monkeypatch.setattr(DatasetRef, "load", lambda self: _dataset())
    sensitivity = pd.DataFrame(
        {
            "dataset_version": [VERSION, VERSION, "older_version"],
            "system": ["baseline", "candidate", "baseline"],
            "metric": ["overall"] * 3,
            "key": ["prompt_icc", "prompt_icc", "prompt_icc"],
            "value": [0.1, 0.2, 0.9],
        }
    )
    warehouse = WarehouseResource(path=str(tmp_path / "wh.duckdb"), lake_root=str(tmp_path / "lake"))
    out = report_assets.comparison_report(
        dg.build_asset_context(),
        lake=LakeResource(root=str(tmp_path / "lake"), reports_root=str(tmp_path / "reports")),
        warehouse=warehouse,
        config_files=ConfigFilesResource(),
        systems=SystemsResource(),
        eval_dataset=DatasetRef.at(tmp_path, VERSION),
        example_metrics={"baseline": _metrics("baseline"), "candidate": _metrics("candidate", seed=1)},
        judge_calibration={"calibrated": False, "reason": "test"},
        layer_probes={},
        prompt_sensitivity=sensitivity,
    )
    got = Warehouse(tmp_path / "wh.duckdb", lake_root=None).query(
        "SELECT system, key, value FROM report_prompt_sensitivity WHERE report_id = ? ORDER BY system",
        [out["report_id"]],
    )
    # Only this dataset version's rows, for the report's systems.
    assert got.to_dict("records") == [
        {"system": "baseline", "key": "prompt_icc", "value": pytest.approx(0.1)},
        {"system": "candidate", "key": "prompt_icc", "value": pytest.approx(0.2)},
    ]
