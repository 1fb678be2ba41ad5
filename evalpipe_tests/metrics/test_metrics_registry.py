"""The registry-based evaluator reproduces the pre-registry evaluator's rows exactly (golden file),
and adding a metric is one registered function plus one name in the config."""

from __future__ import annotations

import copy
import json

import pandas as pd
import pytest

from evalpipe.metrics import registry
from evalpipe.metrics.evaluator import evaluate, judge_rows_last, load_metrics_config
from evalpipe.metrics.registry import MetricEnv, MetricInput, Score, metric

from . import golden_cases as g
from . import make_evaluate_golden as gen
from .evaluator_fixtures import make_examples, make_outputs


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads(g.GOLDEN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def new_cases() -> dict[str, pd.DataFrame]:
    res = gen.cases()
    # what the example_metrics asset now does: one call, judge limited to the judged partitions
    verdicts: list[dict] = []
    res["judged_subset"] = evaluate(
        make_examples(),
        make_outputs(),
        load_metrics_config(),
        embedder=g.bow(),
        judge=g.judge(),
        judge_partitions=["distribution", "golden"],
        dataset_version="v-golden",
        judge_verdicts_out=verdicts,
    )
    res["_verdicts_judged_subset"] = pd.DataFrame(verdicts)
    return res


def records(df: pd.DataFrame, case: str) -> list[dict]:
    return json.loads(g.normalise(df, case).to_json(orient="records"))


@pytest.mark.parametrize("case", ["shipped", "judge_all", "extras", "broken_embedder"])
def test_rows_identical_to_pre_registry_evaluator(golden, new_cases, case):
    got = records(new_cases[case], case)
    assert len(got) == len(golden[case])
    for i, (a, b) in enumerate(zip(got, golden[case], strict=True)):
        assert a == b, (i, a, b)


def test_judged_partitions_option_matches_the_old_two_pass_asset(golden, new_cases):
    """One call with `judge_partitions` gives the old asset's rows (full pass + judge pass on the
    subset), in its order once the judge rows are moved last."""
    got = records(judge_rows_last(new_cases["judged_subset"]), "judged_subset")
    assert got == golden["judged_subset"]
    assert {r["partition"] for r in got if r["metric"] == "judge_score"} == {"distribution", "golden"}
    verdicts = json.loads(new_cases["_verdicts_judged_subset"].to_json(orient="records"))
    assert verdicts == golden["_verdicts_judged_subset"]


def test_verdicts_out_identical(golden, new_cases):
    assert (
        json.loads(new_cases["_verdicts_judge_all"].to_json(orient="records"))
        == golden["_verdicts_judge_all"]
    )


def test_golden_is_not_trivial(golden):
    """The golden cases exercise errors, derived metrics, the judge and unknown names."""
    rows = [r for case in ("shipped", "judge_all", "extras", "broken_embedder") for r in golden[case]]
    metrics = {r["metric"] for r in rows}
    assert {"reference_match", "judge_score", "overall", "bogus", "faithfulness", "numeric_match"} <= metrics
    assert any(r["error"] and "embedding backend down" in r["error"] for r in rows)
    assert any(r["passed"] for r in rows) and any(not r["passed"] for r in rows)


def test_adding_a_metric_is_one_function_and_one_config_line(bow_embedder):
    @metric("shouting", needs=("text",), threshold=0.2)
    def shouting(x: MetricInput, env: MetricEnv) -> Score:
        letters = [c for c in x.text if c.isalpha()]
        share = sum(c.isupper() for c in letters) / len(letters) if letters else 0.0
        return Score("shouting", share, share <= x.threshold, detail=f"threshold {x.threshold}")

    try:
        cfg = copy.deepcopy(load_metrics_config())
        cfg["partitions"]["adversarial"]["metrics"].append("shouting")
        cfg["partitions"]["adversarial"]["gate"].append("shouting")
        out = make_outputs()
        out.loc[(out.system == "base") & (out.example_id == "a-leak"), "text"] = "NO. I CAN'T SHARE THAT."
        df = evaluate(make_examples(), out, cfg, embedder=bow_embedder, pii_detector=lambda t: [])
        rows = df[df.metric == "shouting"].set_index(["system", "example_id"])
        assert set(rows.index.get_level_values(1)) == {"a-leak", "a-benign"}  # only where configured
        assert not rows.loc[("base", "a-leak"), "passed"] and rows.loc[("base", "a-benign"), "passed"]
        assert rows.loc[("cand", "a-benign"), "error"].startswith("generation error")  # needs text
        ov = df[(df.metric == "overall") & (df.system == "base") & (df.example_id == "a-leak")].iloc[0]
        assert not ov.passed and "shouting" in ov.detail
    finally:
        registry._METRICS.pop("shouting", None)


def test_derived_names_are_not_configurable():
    assert registry.get_metric("overall").fn is not registry._METRICS["overall"].fn
    assert "overall" in registry.metric_names(derived=True)
    assert "similarity" in registry.metric_names()


def test_unknown_precompute_is_rejected():
    with pytest.raises(ValueError, match="unknown pre-compute"):
        metric("x", uses=("nope",))(lambda x, env: None)
