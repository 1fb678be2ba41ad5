"""Writes data/evaluate_golden.json: the evaluator's output on the fixed cases of golden_cases.py.

Run from the repository root: `python -m evalpipe_tests.metrics.make_evaluate_golden`. The stored
file came from the pre-registry evaluator (main at c115637); regenerate it only for an intended
change of metric behaviour, and say so in the commit. Case `judged_subset` reproduces what the
`example_metrics` asset did before the judged-partition option existed: a full pass without
the judge, then a judge pass over the judged partitions whose `judge_score` rows are appended.
"""

from __future__ import annotations

import json

import pandas as pd

from evalpipe.metrics.evaluator import evaluate, load_metrics_config

from . import golden_cases as g
from .evaluator_fixtures import make_examples, make_outputs


def old_judged_subset(parts: list[str]) -> tuple[pd.DataFrame, list[dict]]:
    ex, out, cfg = make_examples(), make_outputs(), load_metrics_config()
    metrics = evaluate(ex, out, cfg, embedder=g.bow(), dataset_version="v-golden")
    subset = ex[ex["partition"].isin(parts)]
    verdicts: list[dict] = []
    judged = evaluate(
        subset,
        out[out["example_id"].isin(subset["example_id"])],
        cfg,
        judge=g.judge(),
        embedder=g.bow(),
        pii_detector=lambda t: [],
        dataset_version="v-golden",
        judge_verdicts_out=verdicts,
    )
    return pd.concat([metrics, judged[judged["metric"] == "judge_score"]], ignore_index=True), verdicts


def cases() -> dict[str, pd.DataFrame]:
    ex, out = make_examples(), make_outputs()
    verdicts: list[dict] = []
    res = {
        "shipped": evaluate(ex, out, embedder=g.bow()),
        "judge_all": evaluate(
            ex,
            out,
            embedder=g.bow(),
            judge=g.judge(),
            pii_detector=lambda t: ["PERSON"] if "Brightdesk" in t else [],
            claim_judge=g.claim_judge,
            judge_verdicts_out=verdicts,
        ),
        "extras": evaluate(
            g.examples_with_default_partition(),
            g.outputs_with_default_partition(),
            g.config_with_extras(),
            embedder=g.bow(),
        ),
        "broken_embedder": evaluate(ex, out, embedder=g.bow().__class__(g.BrokenEncoder(), fingerprint="x")),
    }
    subset, subset_verdicts = old_judged_subset(["distribution", "golden"])
    res["judged_subset"] = subset
    res["_verdicts_judge_all"] = pd.DataFrame(verdicts)
    res["_verdicts_judged_subset"] = pd.DataFrame(subset_verdicts)
    return res


def main() -> None:
    doc = {}
    for name, df in cases().items():
        if name.startswith("_"):
            doc[name] = json.loads(df.to_json(orient="records"))
        else:
            doc[name] = json.loads(g.normalise(df, name).to_json(orient="records"))
    g.GOLDEN.write_text(json.dumps(doc, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {g.GOLDEN}: " + ", ".join(f"{k}={len(v)}" for k, v in doc.items()))


if __name__ == "__main__":
    main()
