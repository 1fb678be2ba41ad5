"""Production-call scoring (no Dagster): reference-free metrics on logged calls, daily rates."""

from evalpipe.production.scoring import (
    PRODUCTION_METRICS,
    SCORE_COLUMNS,
    ProductionScoringConfig,
    sample_calls,
    score_calls,
)

__all__ = ["PRODUCTION_METRICS", "SCORE_COLUMNS", "ProductionScoringConfig", "sample_calls", "score_calls"]
