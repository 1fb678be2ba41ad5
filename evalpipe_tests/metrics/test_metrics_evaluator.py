import json
import math

import numpy as np
import pandas as pd
import pytest

from evalpipe.metrics.evaluator import METRIC_COLUMNS, context_of, evaluate, load_metrics_config, question_of
from evalpipe.metrics.judge import CallableJudgeClient, PointwiseJudge

from .evaluator_fixtures import make_examples, make_outputs


@pytest.fixture(scope="module")
def result(real_embedder) -> pd.DataFrame:
    return evaluate(make_examples(), make_outputs(), embedder=real_embedder)


def cell(df, system, eid, metric):
    r = df[(df.system == system) & (df.example_id == eid) & (df.metric == metric)]
    assert len(r) == 1, (system, eid, metric, len(r))
    return r.iloc[0]


def test_schema_and_no_rows_dropped(result):
    assert list(result.columns) == METRIC_COLUMNS
    assert result["value"].dtype == np.float64 and result["passed"].dtype == bool
    assert set(result.dataset_version) == {"ds-test-1"}
    # every (system, example) pair has an overall row, including the example with no output at all
    overall = result[result.metric == "overall"]
    assert len(overall) == 2 * 8
    # NaN value only together with an error text
    nan_rows = result[result.value.isna()]
    assert nan_rows["error"].notna().all() and not nan_rows["passed"].any()


def test_baseline_passes_every_gate(result):
    base = result[(result.system == "base") & (result.metric == "overall")]
    assert base.set_index("example_id")["passed"].to_dict() == {e: True for e in base.example_id}


def test_candidate_failures_have_reasons(result):
    df = result
    assert cell(df, "cand", "g-price", "numeric_match").value == 0.0  # $39 vs $29
    assert cell(df, "cand", "g-price", "overall").detail == "failed: reference_match"
    assert not cell(df, "cand", "g-json", "constraint.json").passed  # truncated JSON
    empty = cell(df, "cand", "g-refund", "constraint.length")
    assert not empty.passed and "0 chars < 1" in empty.detail
    assert cell(df, "cand", "g-refund", "similarity").value == 0.0  # empty output
    lang = cell(df, "cand", "r-de", "constraint.language")
    assert not lang.passed and lang.detail == "answer=en, expected=de"
    leak = cell(df, "cand", "a-leak", "constraints")
    assert leak.detail == "failed: forbidden_terms, no_pii, refusal" and leak.value == 0.25
    faith = cell(df, "cand", "d-rag", "faithfulness")
    assert faith.value == 0.0 and "90 days" in faith.detail
    assert cell(df, "cand", "d-rag", "similarity").passed  # embeddings miss the number; faithfulness does not
    assert cell(df, "cand", "d-rag", "overall").detail == "failed: faithfulness"


def test_messy_outputs(result):
    df = result
    # code-fenced JSON with chatter passes the JSON schema constraint
    assert cell(df, "base", "g-json", "constraint.json").passed
    # generation error: rows present with the error, NaN, not passed; latency still reported
    err = cell(df, "cand", "a-benign", "constraints")
    assert math.isnan(err.value) and not err.passed and err.error == "generation error: TimeoutError: backend"
    assert cell(df, "cand", "a-benign", "latency_ms").value == 12000.0
    missing = cell(df, "cand", "d-nolog", "constraints")
    assert missing.error == "no output for this example"
    assert not cell(df, "cand", "d-nolog", "overall").passed


def test_applicability_follows_config(result):
    base = result[result.system == "base"]
    per = base.groupby("example_id")["metric"].apply(set)
    assert "exact_match" not in per["a-leak"] and "similarity" not in per["a-leak"]  # no reference
    assert "constraint.refusal" in per["a-leak"] and "faithfulness" not in per["g-price"]  # no context
    assert "faithfulness" in per["d-rag"] and "similarity" in per["d-rag"]
    assert "similarity" not in per["d-nolog"]  # reference-free distribution item
    assert cell(result, "base", "a-benign", "constraint.refusal").detail == "refused=False, expected=answer"
    assert not cell(result, "cand", "a-leak", "latency_ms").passed  # 12 s > 8 s budget


def test_metric_exception_becomes_error_row(real_embedder):
    cfg = load_metrics_config()
    cfg["partitions"]["golden"]["metrics"] = ["token_f1", "bogus_metric"]

    class Broken:
        def similarity(self, a, b):
            raise RuntimeError("embedding backend down")

        def encode(self, texts):
            raise RuntimeError("embedding backend down")

    ex = make_examples()
    df = evaluate(ex[ex.partition == "golden"], make_outputs(), cfg, embedder=real_embedder)
    bogus = cell(df, "base", "g-price", "bogus_metric")
    assert not bogus.passed and "unknown metric" in bogus.error
    cfg["partitions"]["golden"]["metrics"] = ["similarity"]
    df2 = evaluate(ex[ex.partition == "golden"], make_outputs(), cfg, embedder=Broken())
    sim = cell(df2, "base", "g-price", "similarity")
    assert math.isnan(sim.value) and "embedding backend down" in sim.error


def test_judge_rows_and_pluggable_pii(real_embedder):
    judge = PointwiseJudge(
        CallableJudgeClient(
            lambda b: ['{"score": 4, "reason": "fine"}' if i % 2 == 0 else "not json" for i in range(len(b))],
            "alt",
        )
    )
    ex = make_examples()
    df = evaluate(
        ex,
        make_outputs(),
        embedder=real_embedder,
        judge=judge,
        pii_detector=lambda t: ["PERSON"] if "Brightdesk" in t else [],
    )
    j = df[df.metric == "judge_score"]
    assert len(j) == 8 + 6  # every output except the generation error and the missing one
    assert (j.value.notna() == j.error.isna()).all() and j.error.dropna().str.startswith(
        "judge parse_failure"
    ).all()
    assert not cell(df, "base", "d-nolog", "constraint.no_pii").passed  # custom detector was used


def test_parsing_helpers():
    assert (
        question_of(
            json.dumps(
                [
                    {"role": "user", "content": "a"},
                    {"role": "assistant", "content": "b"},
                    {"role": "user", "content": "c"},
                ]
            )
        )
        == "c"
    )
    assert (
        question_of(json.dumps([{"role": "user", "parts": [{"type": "text", "content": "otel"}]}])) == "otel"
    )
    assert question_of(None) == ""
    assert context_of(json.dumps(["p1", {"content": "p2"}, {"text": "p3"}])) == ["p1", "p2", "p3"]
    assert context_of(None) == [] and context_of(float("nan")) == []


def test_empty_outputs_frame_gives_empty_table(bow_embedder):
    empty = pd.DataFrame(
        columns=[
            "example_id",
            "system",
            "text",
            "latency_ms",
            "input_tokens",
            "output_tokens",
            "cost_usd",
            "error",
        ]
    )
    df = evaluate(make_examples(), empty, embedder=bow_embedder)
    assert df.empty and list(df.columns) == METRIC_COLUMNS


def test_explicit_dataset_version_wins(bow_embedder):
    ex = make_examples()
    df = evaluate(ex[ex.example_id == "g-price"], make_outputs(), embedder=bow_embedder, dataset_version="v9")
    assert set(df.dataset_version) == {"v9"} and set(df.system) == {"base", "cand"}


def test_claim_judge_hook_reaches_faithfulness(bow_embedder):
    ex = make_examples()
    df = evaluate(
        ex[ex.example_id == "d-rag"],
        make_outputs(),
        embedder=bow_embedder,
        claim_judge=lambda claim, ctx: "90 days" not in claim,
    )
    assert cell(df, "base", "d-rag", "faithfulness").value == 1.0
    assert cell(df, "cand", "d-rag", "faithfulness").value == 0.0


def test_invalid_item_constraints_are_reported(bow_embedder):
    ex = make_examples()
    ex = ex[ex.example_id == "g-price"].copy()
    ex["constraints"] = json.dumps(["not", "a", "dict"])
    df = evaluate(ex, make_outputs(), embedder=bow_embedder)
    row = cell(df, "base", "g-price", "constraint.invalid_item_constraints")
    assert not row.passed and "unknown constraint" in row.detail
    assert not cell(df, "base", "g-price", "overall").passed


def test_judge_verdicts_out_carries_texts_and_uncertainty(bow_embedder):
    from evalpipe.metrics.judge import OptionProbs

    class Scorer:  # an OptionScorer: logprob mode without a model
        fingerprint = "scorer"

        def complete(self, prompts, sample_index=0):
            raise AssertionError

        def option_probs(self, prompts, options):
            return [OptionProbs({"1": 0.1, "2": 0.1, "3": 0.2, "4": 0.3, "5": 0.3}, 0.8) for _ in prompts]

    out: list[dict] = []
    df = evaluate(
        make_examples(),
        make_outputs(),
        embedder=bow_embedder,
        judge=PointwiseJudge(Scorer(), mode="logprob"),
        pii_detector=lambda t: [],
        judge_verdicts_out=out,
    )
    j = df[df.metric == "judge_score"]
    assert len(out) == len(j) == 14
    v = out[0]
    assert v["judge_mode"] == "logprob" and v["judge_status"] == "ok" and v["answer"] and v["question"]
    assert v["judge_score"] == pytest.approx(3.6) and v["judge_sd"] == pytest.approx(math.sqrt(1.64))
    assert json.loads(v["judge_distribution"])["5"] == pytest.approx(0.3)
    assert j["value"].tolist() == pytest.approx([3.6] * 14)
