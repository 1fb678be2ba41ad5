"""Reports: tables, rendering, idempotent storage, and the gate's exit codes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalpipe.cli import main
from evalpipe.reports.report import build_report
from evalpipe.stats.compare import CompareConfig
from evalpipe.warehouse.duck import Warehouse


def _scores(n: int = 400, drop: float = 0.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    base = rng.random(n) < 0.7
    for i in range(n):
        part = "golden" if i < 20 else "distribution"
        intent = ["pricing", "billing"][i % 2]
        a = bool(base[i]) if part != "golden" else True
        b = a if part == "golden" else (a and rng.random() > drop)
        for system, v in (("baseline", a), ("candidate", b)):
            rows.append(
                {
                    "system": system,
                    "example_id": f"e{i}",
                    "metric": "pass",
                    "value": float(v),
                    "partition": part,
                    "intent": intent,
                }
            )
            rows.append(
                {
                    "system": system,
                    "example_id": f"e{i}",
                    "metric": "f1",
                    "value": float(
                        np.clip(
                            0.6 + 0.1 * v + rng.normal(0, 0.05) - (drop if system == "candidate" else 0), 0, 1
                        )
                    ),
                    "partition": part,
                    "intent": intent,
                }
            )
    return pd.DataFrame(rows)


def _cfg() -> CompareConfig:
    return CompareConfig(
        baseline="baseline",
        metrics={
            "pass": {"type": "binary", "tolerance": 0.02},
            "f1": {"type": "continuous", "tolerance": 0.02},
        },
        primary_metric="pass",
        slice_columns=["partition", "intent"],
        golden_pass_metric="pass",
        n_resamples=2000,
    )


def test_planted_regression_blocks_and_renders(tmp_path):
    r = build_report(
        _scores(drop=0.25), _cfg(), dataset_version="ds1", systems={"baseline": "a", "candidate": "b"}
    )
    assert r.decision == "block" and any("regression" in x for x in r.reasons)
    tables = r.tables()
    assert set(tables) >= {"reports", "report_comparisons", "report_gate"}
    assert (tables["report_comparisons"]["report_id"] == r.report_id).all()
    md = r.markdown()
    assert "BLOCK" in md and "data:image/png;base64," in md
    assert "<img" in r.html()


def test_report_id_is_deterministic_and_storage_idempotent(tmp_path):
    s = _scores(drop=0.25)
    r1 = build_report(s, _cfg(), dataset_version="ds1", systems={"baseline": "a", "candidate": "b"})
    r2 = build_report(s, _cfg(), dataset_version="ds1", systems={"baseline": "a", "candidate": "b"})
    assert r1.report_id == r2.report_id
    wh = Warehouse(tmp_path / "w.duckdb", lake_root=None)
    for r in (r1, r2):
        with wh.writer() as con:
            for name, df in r.tables().items():
                wh.replace_rows(name, df, {"report_id": r.report_id}, con=con)
    assert wh.query("SELECT count(*) FROM reports").iloc[0, 0] == 1
    n = len(r1.comparison)
    assert wh.query("SELECT count(*) FROM report_comparisons").iloc[0, 0] == n


def test_gate_cli_exit_codes(tmp_path, capsys):
    wh_path = tmp_path / "w.duckdb"
    assert main(["gate", "--warehouse", str(wh_path)]) == 2, "no warehouse: cannot decide"
    wh = Warehouse(wh_path, lake_root=None)
    good = build_report(
        _scores(n=3000, drop=0.0), _cfg(), dataset_version="ok", systems={"baseline": "a", "candidate": "a2"}
    )
    bad = build_report(
        _scores(drop=0.25), _cfg(), dataset_version="bad", systems={"baseline": "a", "candidate": "b"}
    )
    for r in (good, bad):
        with wh.writer() as con:
            for name, df in r.tables().items():
                wh.replace_rows(name, df, {"report_id": r.report_id}, con=con)
    assert main(["gate", "--warehouse", str(wh_path)]) == 1, "latest report blocks"
    assert "BLOCK" in capsys.readouterr().out
    assert good.decision == "proceed"
    assert main(["gate", "--warehouse", str(wh_path), "--report", good.report_id]) == 0
    assert main(["gate", "--warehouse", str(wh_path), "--report", "rpt_missing"]) == 2


def test_informational_metrics_get_verdicts_but_never_gate():
    s = _scores(n=3000, drop=0.0)
    lat = s[s["metric"] == "f1"].copy()
    lat["metric"] = "latency_ms"
    lat.loc[lat["system"] == "candidate", "value"] += 5.0  # a big, certain "regression"
    cfg = _cfg()
    cfg.metrics["latency_ms"] = {"type": "continuous", "tolerance": 0.1, "higher_is_better": False}
    scores = __import__("pandas").concat([s, lat], ignore_index=True)
    gated = build_report(scores, cfg, dataset_version="x", systems={"baseline": "a", "candidate": "b"})
    assert gated.decision == "block"
    info = build_report(
        scores,
        cfg,
        dataset_version="x",
        systems={"baseline": "a", "candidate": "b"},
        informational={"latency_ms"},
    )
    assert info.decision == "proceed" and info.report_id != gated.report_id
    assert (info.comparison.query("metric == 'latency_ms'")["verdict"] == "regression").any()
