"""The shipped sample logs (planted for issue 14): the wrong-price rise of the last four days raises
its alarm within those days, and the stable production metrics raise none."""

from __future__ import annotations

import pandas as pd
import pytest
from upath import UPath

from evalpipe.logs.ingest import SourceConfig, ingest_day
from evalpipe.metrics.embedding import Embedder
from evalpipe.monitoring.quality import drift_status, production_quality, quality_drift
from evalpipe.production.scoring import score_calls
from evalpipe_tests.metrics.conftest import bow_encode

DRIFT_START = "2026-11-26"  # PRICE_DRIFT in evalpipe/synth/production_logs.py: the last four days
STABLE = [
    "constraint.forbidden_terms",
    "constraint.language",
    "constraint.refusal",
    "constraint.no_pii",
    "tool_error",
    "session_retry",
]


@pytest.fixture(scope="module")
def drift() -> pd.DataFrame:
    # The price metric compares quoted amounts with the context's numbers (no embedding); the
    # stable metrics asserted here do not embed either, so the bag-of-words embedder suffices.
    cfg = SourceConfig.load()
    root = UPath(cfg.source_root)
    days = sorted(p.name for p in root.iterdir() if p.is_dir())
    emb = Embedder(bow_encode, fingerprint="bow")
    daily = [production_quality(score_calls(ingest_day(root, d, cfg)[0].to_pandas(), emb)) for d in days]
    return quality_drift(pd.concat(daily, ignore_index=True))


def test_wrong_price_rise_alarms_within_the_planted_days(drift):
    price = drift[(drift.metric == "faithfulness.unsupported_price") & (drift.system == "gpt-4o-mini")]
    assert not price[price.day < DRIFT_START]["alarm"].any()
    assert price["alarm"].iloc[-1], price[["day", "value", "z", "s_hi"]].to_string()
    status = drift_status(drift)
    [a] = [
        a
        for a in status["cusum_alarms"]
        if a == {**a, "system": "gpt-4o-mini", "metric": price.metric.iloc[0]}
    ]
    assert DRIFT_START <= a["since"] <= "2026-11-29" and DRIFT_START <= a["onset"] <= a["since"]
    assert not status["passed"]


def test_no_alarm_before_the_drift_and_none_on_stable_metrics(drift):
    assert not drift[drift.day < DRIFT_START]["alarm"].any()
    stable = drift[drift.metric.isin(STABLE)]
    assert stable.metric.nunique() >= 5
    assert not stable["alarm"].any(), stable[stable.alarm][["system", "metric", "day"]].to_string()
