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


def _lake_frames(seed: int = 0, golden_error: bool = False):
    """A tiny dataset + example_metrics pair shaped like the lake's (see evalpipe.suites.schema)."""
    from evalpipe.stats.simulate import Design, generate

    d = Design(seed=seed)
    scores, _ = generate(d, seed=seed)
    it = d.items
    dataset = pd.DataFrame(
        {
            "example_id": it["example_id"],
            "partition": it["partition"],
            "tags": [
                [f"intent:{i}", f"language:{lang}"]
                for i, lang in zip(it["intent"], it["language"], strict=True)
            ],
            "stratum": it["stratum"].where(it["partition"] == "distribution"),
            "constraints": None,
            "paraphrase_of": it["paraphrase_group"].where(it["paraphrase_group"] != it["example_id"]),
            "weight": it["weight"],
        }
    )
    source = {"overall_pass": ("overall", "passed"), "judge_score": ("judge_score", "value")}
    rows = []
    for (system, metric), grp in scores.groupby(["system", "metric"]):
        src, fld = source.get(metric, (metric, "value"))
        rows.append(
            pd.DataFrame(
                {
                    "system": "baseline" if system == "A" else "candidate",
                    "example_id": grp["example_id"],
                    "metric": src,
                    "value": grp["value"] if fld == "value" else np.nan,
                    "passed": (grp["value"] >= 0.5) if fld == "passed" else None,
                    "error": None,
                }
            )
        )
    metrics = pd.concat(rows, ignore_index=True)
    metrics = metrics[metrics["metric"] != "constraints_pass"]
    if golden_error:
        g0 = it.loc[it["partition"] == "golden", "example_id"].iloc[0]
        sel = (
            (metrics["system"] == "candidate")
            & (metrics["example_id"] == g0)
            & (metrics["metric"] == "overall")
        )
        metrics.loc[sel, ["passed", "error"]] = [None, "timeout"]
    return dataset, metrics


def test_report_config_weights_and_table_from_lake_frames():
    """data/report.yaml → scores_from_metrics → build_report: weights used, latency informational
    and below the gating rows, table has raw p, adjusted p, test, n, units, n_eff and gating."""
    from evalpipe.reports.assemble import load_report_config, scores_from_metrics

    dataset, metrics = _lake_frames()
    cfg = load_report_config("data/report.yaml", baseline="baseline", candidates=["candidate"])
    cfg.compare.n_resamples = 500
    assert cfg.compare.weight_column == "weight" and cfg.compare.min_gating_n == 30
    assert not cfg.compare.spec("latency_ms").gating
    scores = scores_from_metrics(metrics, dataset, cfg)
    r = build_report(
        scores,
        cfg.compare,
        dataset_version="sim",
        systems={"baseline": "a", "candidate": "b"},
        informational=cfg.informational,
        golden_ids=dataset.loc[dataset["partition"] == "golden", "example_id"].tolist(),
    )
    comp = r.comparison
    dist = comp[(comp["slice_value"] == "distribution") & (comp["metric"] == "similarity")].iloc[0]
    assert "weighted" in dist["test"] and dist["n_eff"] < 0.5 * dist["n"]
    assert (
        not (comp["slice_key"] == "stratum").any()
        or not comp.query("slice_key == 'stratum'")["slice_value"]
        .isin(["golden", "regression", "adversarial"])
        .any()
    )
    md = r.markdown(images=False, max_rows=1000)
    header = next(line for line in md.splitlines() if line.startswith("| candidate"))
    for col in ("gating", "test", "n_clusters", "n_eff", "p_value", "p_adj", "underpowered"):
        assert f" {col} " in header
    lines = md.splitlines()
    start = lines.index(header) + 2
    body = [line for line in lines[start:] if line.startswith("| ")]
    first_info = next(i for i, line in enumerate(body) if "latency_ms" in line)
    assert all("| False |" in line for line in body[first_info:])  # informational rows are last
    assert r.decision in ("proceed", "undecided")


def test_golden_error_from_lake_frames_blocks():
    from evalpipe.reports.assemble import load_report_config, scores_from_metrics

    dataset, metrics = _lake_frames(golden_error=True)
    cfg = load_report_config("data/report.yaml", baseline="baseline", candidates=["candidate"])
    cfg.compare.n_resamples = 300
    scores = scores_from_metrics(metrics, dataset, cfg)
    assert scores["error"].eq("timeout").sum() == 1 and scores["value"].isna().sum() >= 1
    r = build_report(scores, cfg.compare, dataset_version="sim", systems={"baseline": "a", "candidate": "b"})
    assert r.decision == "block"
    assert any("golden: 1 of 150 items with an error" in x for x in r.reasons)
