"""production experiments on the planted sample data: harm detected, A/A not flagged, bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from evalpipe.production.experiment import (
    ARM_COLUMNS,
    METRIC_COLUMNS,
    ProductionExperiment,
    aa_split,
    experiment_calls,
    experiment_exit,
    experiment_from_warehouse,
    field_values,
    load_experiments,
    read_experiment,
)
from evalpipe.stats.experiments import analyze_experiment
from evalpipe_tests.production.planted import planted_logs_and_scores


@pytest.fixture(scope="module")
def planted():
    return planted_logs_and_scores()


@pytest.fixture(scope="module")
def exp() -> ProductionExperiment:
    (e,) = load_experiments()
    return e


def test_planted_experiment_is_harm_on_faithfulness(planted, exp):
    logs, scores = planted
    r = read_experiment(logs, scores, exp)
    m = r.result.metrics.set_index("metric")
    assert r.verdict == "harm"
    assert m.loc["faithfulness", "verdict"] == "harm" and m.loc["faithfulness", "cs_high"] < 0
    assert m.loc["constraint.language", "verdict"] == "keep running"  # not touched by the variant
    assert not r.result.srm.failed
    # the variant field is missing on some population calls: counted, excluded, shown
    assert 20 < r.result.counts["n_missing_variant"] < 150
    assert f"{r.result.counts['n_missing_variant']} without a variant value" in r.markdown()
    t = r.tables()
    assert list(t["experiment_arms"].columns) == ARM_COLUMNS
    assert list(t["experiment_metrics"].columns) == METRIC_COLUMNS
    assert set(t["experiment_arms"]["arm"]) == {"prompt_v1", "prompt_v2"}
    assert t["experiment_reports"]["verdict"].iloc[0] == "harm"
    assert any(
        x.startswith("harm: faithfulness") for x in json.loads(t["experiment_reports"]["reasons"].iloc[0])
    )


def test_harm_is_read_before_the_last_day_and_early_days_keep_running(planted, exp):
    logs, scores = planted
    early = read_experiment(logs, scores, exp, as_of_day="2026-11-17")
    assert early.result.metrics.set_index("metric").loc["faithfulness", "verdict"] == "keep running"
    rd = read_experiment(logs, scores, exp).result.readings
    f = rd[rd["metric"] == "faithfulness"]
    first = f.loc[f["cs_high"] < 0, "day"].min()
    assert first <= "2026-11-26"  # crossed well before the end, and stays crossed (running intersection)
    assert (f.loc[f["day"] >= first, "cs_high"] < 0).all()


def test_aa_split_of_the_same_data_is_not_flagged(planted, exp):
    logs, scores = planted
    calls = experiment_calls(logs, scores, exp)
    for arm in (exp.control, exp.treatment):
        for salt in ("aa", "aa2"):
            res = analyze_experiment(
                aa_split(calls, arm, salt=salt), exp.stats_config(control="A1", treatment="A2")
            )
            assert res.verdict == "keep running", (arm, salt, res.metrics[["metric", "cs_low", "cs_high"]])
            assert not res.srm.failed


def test_srm_on_a_planted_45_55_split(planted, exp):
    logs, scores = planted
    calls = experiment_calls(logs, scores, exp)
    sessions = calls.loc[calls["variant"] == exp.control, "session_id"].drop_duplicates()
    drop = set(sessions.sample(frac=0.14, random_state=0))  # control loses sessions: ~45/55
    res = analyze_experiment(calls[~calls["session_id"].isin(drop)], exp.stats_config())
    share = res.srm.units[exp.control] / sum(res.srm.units.values())
    assert 0.44 < share < 0.46
    assert res.srm.failed and res.verdict == "srm_failed"
    assert set(res.metrics["verdict"]) == {"srm_failed"}


def test_variant_fields():
    calls = pd.DataFrame(
        {
            "metadata": ['{"variant": "b"}', '{"variant": " "}', None],
            "tags": [["variant:x"], ["other"], ["variant=y"]],
            "system_instructions": ["p1", "p1", None],
            "request_model": ["m1", "m2", "m1"],
        }
    )
    assert field_values(calls, "metadata.variant").tolist() == ["b", None, None]
    assert field_values(calls, "tag:variant").tolist() == ["x", None, "y"]
    h = field_values(calls, "system_prompt_hash").tolist()
    assert h[0] == h[1] and h[2] is None and len(h[0]) == 12
    assert field_values(calls, "request_model").tolist() == ["m1", "m2", "m1"]
    with pytest.raises(ValueError):
        field_values(calls, "nope")


def test_exit_codes_like_gate():
    assert experiment_exit(["harm", "ship"]) == 1
    assert experiment_exit(["ship", "ship"]) == 0
    assert experiment_exit(["keep running"]) == 2 and experiment_exit(["srm_failed"]) == 2
    assert experiment_exit([]) == 2

    def broken(sql, params):
        raise RuntimeError("no table")

    code, rows = experiment_from_warehouse(broken)
    assert code == 2 and rows[0]["verdict"] == "undecided"

    def one(sql, params):
        return pd.DataFrame(
            [{"experiment": "e", "as_of_day": "d", "verdict": "harm", "reasons": "[]", "markdown": ""}]
        )

    assert experiment_from_warehouse(one, "e")[0] == 1


def test_experiment_cli_prints_the_report_with_gate_like_exit_codes(planted, exp, tmp_path, capsys):
    from evalpipe.cli import main
    from evalpipe.warehouse.duck import Warehouse

    db = tmp_path / "w.duckdb"
    assert main(["experiment", "--warehouse", str(db)]) == 2, "no warehouse: cannot decide"
    logs, scores = planted
    wh = Warehouse(db, lake_root=None)
    with wh.writer() as con:
        for name, df in read_experiment(logs, scores, exp).tables().items():
            wh.replace_rows(name, df, {"experiment": exp.name}, con=con)
        early = read_experiment(logs, scores, exp, as_of_day="2026-11-17").tables()
        wh.replace_rows(
            "experiment_reports",
            early["experiment_reports"].assign(experiment="early"),
            {"experiment": "early"},
            con=con,
        )
    capsys.readouterr()
    assert main(["experiment", "--warehouse", str(db), "--name", exp.name, "--markdown"]) == 1
    text = capsys.readouterr().out
    assert "HARM" in text and "harm: faithfulness" in text and "without a variant value" in text
    assert main(["experiment", "--warehouse", str(db), "--name", "early"]) == 2
    assert "KEEP RUNNING" in capsys.readouterr().out
    assert main(["experiment", "--warehouse", str(db)]) == 1  # any harm among all experiments
    assert main(["experiment", "--warehouse", str(db), "--name", "nope"]) == 2


def test_cuped_on_a_pre_period_of_recurring_users():
    """Users who were there before `start` carry their pre-period thumbs-down rate as covariate."""
    import numpy as np

    rng = np.random.default_rng(3)
    n_users, rows = 800, []
    propensity = rng.beta(0.5, 2, n_users)
    for day in range(1, 15):
        for u in rng.choice(n_users, 600, replace=False):
            arm = "B" if u % 2 else "A"
            p = min(1.0, propensity[u] + (0.03 if arm == "B" and day >= 7 else 0.0))
            rid = f"r{day}-{u}"
            rows.append(
                {
                    "record_id": rid,
                    "day": f"2026-11-{day:02d}",
                    "session_id": f"s{day}-{u}",
                    "user_id": f"u{u}",
                    "started_at": pd.Timestamp(f"2026-11-{day:02d}", tz="UTC"),
                    "turn_index": 0,
                    "input_messages": None,
                    "output_messages": None,
                    "feedback_score": -1 if rng.random() < p else 1,
                    "metadata": json.dumps({"exp": "e", "variant": arm if day >= 7 else "A"}),
                }
            )
    logs = pd.DataFrame(rows)
    scores = pd.DataFrame({"record_id": logs["record_id"], "metric": "x", "value": 1.0, "status": "ok"})
    raw = {
        "name": "e",
        "control": "A",
        "treatment": "B",
        "where": {"metadata.exp": "e"},
        "start": "2026-11-07",
        "metrics": {
            "negative_feedback": {
                "kind": "binary",
                "higher_is_better": False,
                "covariate": "pre:negative_feedback",
            }
        },
    }
    exp = ProductionExperiment.from_dict(raw)
    calls = experiment_calls(logs, scores, exp)
    assert calls["day"].min() == "2026-11-07" and calls["pre:negative_feedback"].notna().mean() > 0.95
    m = read_experiment(logs, scores, exp).result.metrics.iloc[0]
    assert m["cuped"] and m["variance_reduction"] > 0.05
    assert abs(m["diff"] - 0.03) < 3 * m["se_clustered"]
    plain = read_experiment(
        logs,
        scores,
        ProductionExperiment.from_dict(
            {**raw, "metrics": {"negative_feedback": {"kind": "binary", "higher_is_better": False}}}
        ),
    )
    assert m["se_clustered"] < plain.result.metrics.iloc[0]["se_clustered"]
