"""The Presidio-defaults baseline for the labelled log corpora, run in a fresh process.

`run_isolated(rows, model_name)` spawns one process that never imports `evalpipe.pii`, so nothing
evalpipe registers with spaCy or Presidio can change the baseline; it builds `AnalyzerEngine`
(spaCy NLP engine with the configured model, default recognizers and entities) and
`AnonymizerEngine` (default replace operator), and anonymises every string of each canonical
row's text fields, one string at a time.  Returns the rows and the seconds spent on them (model
loading excluded).
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import time
from typing import Any

JSON_COLUMNS = (
    "system_instructions",
    "input_messages",
    "output_messages",
    "retrieved_context",
    "tools",
    "metadata",
)
STRUCTURAL_KEYS = {"role", "type", "finish_reason"}


def engines(model_name: str):
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_anonymizer import AnonymizerEngine

    conf = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model_name}]}
    analyzer = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=conf).create_engine())
    analyzer.analyze("warm up John Smith", language="en")
    return analyzer, AnonymizerEngine()


def presidio_row(row: dict, analyzer, anonymizer) -> dict:
    """Presidio defaults on every string of a canonical row's text fields (JSON columns walked, keys kept)."""
    from evalpipe.logs.schema import TEXT_FIELDS

    def anon(text: str) -> str:
        if not text.strip():
            return text
        res = analyzer.analyze(text, language="en")
        return anonymizer.anonymize(text=text, analyzer_results=res).text if res else text

    def walk(o, key=None):
        if isinstance(o, dict):
            return {k: walk(v, k) for k, v in o.items()}
        if isinstance(o, list):
            return [walk(v) for v in o]
        if isinstance(o, str) and key not in STRUCTURAL_KEYS:
            return anon(o)
        return o

    out = dict(row)
    for col in TEXT_FIELDS:
        v = row.get(col)
        if v is None:
            continue
        if col in JSON_COLUMNS:
            out[col] = json.dumps(walk(json.loads(v)), ensure_ascii=False, separators=(",", ":"))
        else:
            out[col] = walk(v)
    return out


def _worker(rows: list[dict[str, Any]], model_name: str) -> tuple[list[dict[str, Any]], float]:
    analyzer, anonymizer = engines(model_name)
    assert "evalpipe.pii" not in sys.modules, "the baseline process must not load evalpipe's scrubber"
    t0 = time.perf_counter()
    out = [presidio_row(r, analyzer, anonymizer) for r in rows]
    return out, time.perf_counter() - t0


def run_isolated(rows: list[dict[str, Any]], model_name: str) -> tuple[list[dict[str, Any]], float]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_worker, (rows, model_name))
