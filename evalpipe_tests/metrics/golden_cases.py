"""Fixed evaluator inputs whose outputs are stored in data/evaluate_golden.json.

The golden file was written by the pre-registry evaluator (the if/elif `evaluate` of main at
c115637) with `python -m evalpipe_tests.metrics.make_evaluate_golden`; the registry-based
evaluator must reproduce it row for row. Everything here is model-free and deterministic
(hashing bag-of-words embedder, regex PII detector, scripted judges).
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pandas as pd

from evalpipe.metrics.embedding import Embedder
from evalpipe.metrics.evaluator import load_metrics_config
from evalpipe.metrics.judge import OptionProbs, PointwiseJudge

from .conftest import bow_encode
from .evaluator_fixtures import make_examples, make_outputs

GOLDEN = Path(__file__).parent / "data" / "evaluate_golden.json"


class ScriptedScorer:
    """An OptionScorer whose distribution depends on the prompt length (varied, deterministic)."""

    fingerprint = "scripted"

    def complete(self, prompts, sample_index=0):
        raise AssertionError("logprob mode only")

    def option_probs(self, prompts, options):
        out = []
        for p in prompts:
            k = len(p) % 5
            probs = {str(s): (0.6 if s == k + 1 else 0.1) for s in range(1, 6)}
            out.append(OptionProbs(probs, 0.9))
        return out


class BrokenEncoder:
    def __call__(self, texts: list[str]) -> np.ndarray:
        raise RuntimeError("embedding backend down")


def claim_judge(claim: str, sentences: list[str]) -> bool | None:
    return None if "cancel" in claim.lower() else ("30" in claim)


def config_with_extras() -> dict:
    """The shipped config plus an unknown metric name and a reference_match gate on 'default'."""
    cfg = copy.deepcopy(load_metrics_config())
    cfg["partitions"]["adversarial"]["metrics"] = [*cfg["partitions"]["adversarial"]["metrics"], "bogus"]
    cfg["partitions"]["regression"]["metrics"] = ["token_f1", "contains", "latency_ms"]
    cfg["budgets"] = {"latency_ms": 8000}  # cost_usd without a budget
    return cfg


def examples_with_default_partition() -> pd.DataFrame:
    ex = make_examples()
    extra = ex[ex.example_id == "g-price"].assign(example_id="x-default", partition="unknown-part")
    return pd.concat([ex, extra], ignore_index=True)


def outputs_with_default_partition() -> pd.DataFrame:
    out = make_outputs()
    extra = out[out.example_id == "g-price"].assign(example_id="x-default")
    return pd.concat([out, extra], ignore_index=True)


def bow() -> Embedder:
    return Embedder(bow_encode, fingerprint="bow")


def judge() -> PointwiseJudge:
    return PointwiseJudge(ScriptedScorer(), mode="logprob")


def normalise(df: pd.DataFrame, case: str) -> pd.DataFrame:
    """Rows in the evaluator's order, floats rounded (float32 embeddings), NaN as None: JSON-comparable."""
    df = df.assign(case=case).copy()
    df["value"] = [None if (v is None or math.isnan(v)) else round(float(v), 9) for v in df["value"]]
    df["error"] = [
        None if e is None or (isinstance(e, float) and math.isnan(e)) else str(e) for e in df["error"]
    ]
    df["passed"] = df["passed"].astype(bool)
    return df.reset_index(drop=True)[["case", *[c for c in df.columns if c != "case"]]]
