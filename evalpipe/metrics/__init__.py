"""Metric domain code (no Dagster): reference metrics, embeddings, constraints, faithfulness,
LLM-as-judge, judge calibration, the metric registry (`metric`, `precompute`) and the per-example
evaluator."""

from evalpipe.metrics.calibration import CalibrationResult, calibrate, calibrate_judge, load_human_labels
from evalpipe.metrics.constraints import (
    ConstraintResult,
    check_constraints,
    default_pii_detector,
    detect_language,
    extract_json,
    is_refusal,
)
from evalpipe.metrics.embedding import Embedder, default_embedder, semantic_similarity, shipped_model_dir
from evalpipe.metrics.evaluator import METRIC_COLUMNS, evaluate, load_metrics_config
from evalpipe.metrics.faithfulness import FaithfulnessResult, faithfulness, split_claims
from evalpipe.metrics.judge import (
    HELPDESK_RUBRIC,
    CallableJudgeClient,
    JudgeCache,
    JudgeClient,
    JudgeItem,
    OpenAICompatJudgeClient,
    PairItem,
    PairwiseJudge,
    PointwiseJudge,
    Rubric,
    judge_from_config,
    pairwise_summary,
)
from evalpipe.metrics.reference import contains, exact_match, extract_numbers, numeric_match, token_f1
from evalpipe.metrics.registry import MetricEnv, MetricInput, Score, metric, precompute

__all__ = [
    "METRIC_COLUMNS",
    "HELPDESK_RUBRIC",
    "CalibrationResult",
    "CallableJudgeClient",
    "ConstraintResult",
    "Embedder",
    "FaithfulnessResult",
    "JudgeCache",
    "JudgeClient",
    "JudgeItem",
    "MetricEnv",
    "MetricInput",
    "OpenAICompatJudgeClient",
    "PairItem",
    "PairwiseJudge",
    "PointwiseJudge",
    "Rubric",
    "Score",
    "calibrate",
    "calibrate_judge",
    "check_constraints",
    "contains",
    "default_embedder",
    "default_pii_detector",
    "detect_language",
    "evaluate",
    "exact_match",
    "extract_json",
    "extract_numbers",
    "faithfulness",
    "is_refusal",
    "judge_from_config",
    "load_human_labels",
    "load_metrics_config",
    "metric",
    "numeric_match",
    "pairwise_summary",
    "precompute",
    "semantic_similarity",
    "shipped_model_dir",
    "split_claims",
    "token_f1",
]
