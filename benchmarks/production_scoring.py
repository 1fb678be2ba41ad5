"""Benchmark: reference-free production scoring (faithfulness + constraints + tools, no judge).

Data: N canonical `llm_call` rows made by the sample-log generator (`evalpipe.synth`, a fresh
seed and start date, ~300 calls a day) and read back through the real ingestion
(`ingest_day`), so the rows look exactly like `scrubbed_logs` apart from the scrubbing itself
(raw names stay in: more distinct sentences than pseudonymised text, so harder for the batched
path, not easier).  Generation and ingestion are excluded from both timings; the embedding model
is loaded once before both.

Optimised path: `evalpipe.production.score_calls` on all N rows (one fresh `Embedder`: distinct
sentences embedded once in length-sorted batches, distinct (answer, context) pairs and
constraint triples scored once).

Baseline, in the same run: one call at a time with the same metric functions: parse the row,
`faithfulness(answer, context)` with its own `encode` call and no cache, `check_constraints`,
`check_json` / `check_no_pii`, tool errors; the language-detection cache is cleared per call.
Timed on a random subset and extrapolated linearly (a per-call-constant loop).  The subset's
faithfulness values and constraint verdicts are compared with the optimised run.

    .venv/bin/python benchmarks/production_scoring.py            # 100,000 calls
    .venv/bin/python benchmarks/production_scoring.py --quick    # 10,000 calls
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from evalpipe.metrics.constraints import (
    check_constraints,
    check_json,
    check_no_pii,
    detect_language,
)
from evalpipe.metrics.embedding import Embedder, load_sentence_transformer
from evalpipe.metrics.faithfulness import faithfulness
from evalpipe.production.scoring import ProductionScoringConfig, parse_call, score_calls

ROOT = Path(__file__).resolve().parents[1]


def make_calls(n: int, seed: int = 20301) -> pd.DataFrame:
    """n canonical rows from the generator, through ingestion (no malformed lines)."""
    from upath import UPath

    from evalpipe.logs.ingest import SourceConfig, ingest_day
    from evalpipe.synth.production_logs import generate

    days = -(-n // 300)
    with tempfile.TemporaryDirectory() as tmp:
        s = generate(
            Path(tmp),
            seed=seed,
            start="2031-01-01",
            days=days,
            calls_per_day=(300, 301),
            malformed_rate=0.0,
            kb_dir=ROOT / "data" / "kb",
        )
        cfg = SourceConfig.load(ROOT / "data" / "log_sources.yaml")
        tables = [ingest_day(UPath(tmp) / "raw_logs", d, cfg)[0].to_pandas() for d in s.days]
    return pd.concat(tables, ignore_index=True).iloc[:n].reset_index(drop=True)


def one_call(row: dict, cfg: ProductionScoringConfig, emb: Embedder, json_re: re.Pattern[str]) -> dict:
    """The naive loop body: every metric for one call, nothing shared with other calls."""
    detect_language.cache_clear()
    p = parse_call(row, json_re)
    out: dict = {}
    if p.answer is None:
        return out
    if p.context:
        fr = faithfulness(
            p.answer, p.context, emb, cfg.support_threshold, cfg.min_claim_words, rel_tol=cfg.rel_tol
        )
        out["faithfulness"] = fr.score
    spec = {"forbidden_terms": cfg.forbidden_terms, "language": cfg.language}
    warrant = "|".join(f"(?:{x})" for x in cfg.refusal_warranted_patterns)
    if p.context and not (warrant and re.search(warrant, p.question, re.IGNORECASE)):
        spec["refusal"] = "not_expected"
    for r in check_constraints(p.answer, spec, p.question):
        out[f"constraint.{r.name}"] = float(r.passed)
    if p.asked_json:
        out["constraint.json"] = float(check_json(p.answer, p.json_schema).passed)
    out["constraint.no_pii"] = float(check_no_pii(p.answer_raw).passed)
    out["tool_error"] = float(any(re.search(cfg.tool_error_pattern, r) for r in p.tool_results))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="10,000 calls, 100-call baseline subset")
    ap.add_argument("--calls", type=int, default=None)
    ap.add_argument("--baseline-subset", type=int, default=None)
    ap.add_argument("--threads", type=int, default=2, help="torch threads for both paths")
    args = ap.parse_args()
    n = args.calls or (10_000 if args.quick else 100_000)
    n_sub = args.baseline_subset or (100 if args.quick else 400)

    import torch

    torch.set_num_threads(args.threads)
    t = time.perf_counter()
    calls = make_calls(n)
    print(f"calls: {len(calls):,} generated + ingested in {time.perf_counter() - t:.1f} s (excluded)")
    t = time.perf_counter()
    model = load_sentence_transformer(threads=args.threads)
    model.encode(["warm up"], normalize_embeddings=True, show_progress_bar=False)
    print(f"model load: {time.perf_counter() - t:.1f} s (excluded), torch threads {torch.get_num_threads()}")

    def st_encode(batch: list[str]) -> np.ndarray:
        return model.encode(batch, batch_size=64, normalize_embeddings=True, show_progress_bar=False)

    cfg = ProductionScoringConfig.load()
    json_re = re.compile(cfg.json_request_pattern, re.IGNORECASE)

    # ---- baseline: one call at a time (subset, extrapolated) ----------------------------------
    sub = sorted(random.Random(11).sample(range(len(calls)), n_sub))
    rows = calls.iloc[sub].to_dict("records")
    naive = Embedder(st_encode, fingerprint="all-MiniLM-L6-v2", lru_size=0)  # no cache across calls
    t = time.perf_counter()
    base = [one_call(r, cfg, naive, json_re) for r in rows]
    t_sub = time.perf_counter() - t
    t_base = t_sub / n_sub * len(calls)
    print(
        f"baseline one call at a time: {t_sub:.2f} s for {n_sub} calls ({t_sub / n_sub * 1e3:.1f} ms/call, "
        f"{n_sub / t_sub:,.0f} calls/s) -> extrapolated to {len(calls):,}: {t_base:,.0f} s"
    )

    # ---- optimised: the production scorer on everything ----------------------------------------
    detect_language.cache_clear()
    emb = Embedder(st_encode, fingerprint="all-MiniLM-L6-v2", batch_size=64)
    t = time.perf_counter()
    scores = score_calls(calls, emb, cfg, sample=False)
    t_opt = time.perf_counter() - t
    print(
        f"batched production scorer:   {t_opt:.2f} s for {len(calls):,} calls ({len(calls) / t_opt:,.0f} calls/s; "
        f"{emb.stats['encoded']:,} distinct sentences embedded in {emb.stats['batches']} chunks; "
        f"{len(scores):,} score rows)"
    )

    # ---- same numbers on the subset ------------------------------------------------------------
    ids = calls["record_id"].iloc[sub].tolist()
    got = scores[scores["record_id"].isin(ids)].pivot_table(
        index="record_id", columns="metric", values="value", aggfunc="first"
    )
    diffs, mismatches, compared = [0.0], 0, 0
    for rid, b in zip(ids, base, strict=True):
        for m, v in b.items():
            g = got.at[rid, m] if (rid in got.index and m in got.columns) else np.nan
            if v is None or np.isnan(g):
                mismatches += (v is None) != bool(np.isnan(g)) and m == "faithfulness"
                continue
            compared += 1
            if m == "faithfulness":
                diffs.append(abs(v - g))
            else:
                mismatches += v != g
    print(
        f"subset check: {compared} values compared, max |faithfulness diff| {max(diffs):.2e}, "
        f"{mismatches} verdict mismatches"
    )
    rate = scores.groupby("metric")["value"].mean().round(3).to_dict()
    print("mean value per metric:", rate)
    print(
        f"SPEEDUP batched vs one call at a time: x{t_base / t_opt:,.1f} (target >= 20; baseline "
        f"extrapolated from {n_sub} calls); {len(calls) / t_opt:,.0f} vs {len(calls) / t_base:,.0f} calls/s"
    )


if __name__ == "__main__":
    main()
