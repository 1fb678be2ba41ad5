"""The shipped sample logs of all 14 days, ingested and scored once per test session (bag-of-words
embedder: fast and model-free; the planted wrong numbers are caught by the number check)."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
from upath import UPath

from evalpipe.logs.ingest import SourceConfig, ingest_day
from evalpipe.metrics.embedding import Embedder
from evalpipe.production.scoring import ProductionScoringConfig, score_calls
from evalpipe_tests.metrics.conftest import bow_encode

DATA = Path(__file__).resolve().parents[2] / "data"


@functools.cache
def planted_logs_and_scores() -> tuple[pd.DataFrame, pd.DataFrame]:
    cfg = SourceConfig.load(DATA / "log_sources.yaml")
    days = sorted(p.name for p in (DATA / "raw_logs").iterdir() if p.is_dir())
    logs = pd.concat(
        [ingest_day(UPath(DATA / "raw_logs"), d, cfg)[0].to_pandas() for d in days], ignore_index=True
    )
    emb = Embedder(bow_encode, fingerprint="bow")
    scfg = ProductionScoringConfig.load(DATA / "production_scores.yaml")
    scores = pd.concat([score_calls(g, emb, scfg) for _, g in logs.groupby("day")], ignore_index=True)
    return logs, scores
