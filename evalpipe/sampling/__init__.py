"""Features, deduplication and stratified sampling of scrubbed production logs (no Dagster)."""

from evalpipe.sampling.config import (
    DedupConfig,
    EmptyWindowError,
    SamplingConfig,
    SamplingConfigError,
    StratumTooSmallError,
    UnknownStratumKeyError,
)
from evalpipe.sampling.features import log_features
from evalpipe.sampling.intent import CentroidIntentClassifier, KeywordIntentClassifier, evaluate_intents
from evalpipe.sampling.sample import SAMPLER_VERSION, allocate, dedup, strata_table, stratified_sample

__all__ = [
    "SAMPLER_VERSION",
    "CentroidIntentClassifier",
    "DedupConfig",
    "EmptyWindowError",
    "KeywordIntentClassifier",
    "SamplingConfig",
    "SamplingConfigError",
    "StratumTooSmallError",
    "UnknownStratumKeyError",
    "allocate",
    "dedup",
    "evaluate_intents",
    "log_features",
    "strata_table",
    "stratified_sample",
]
