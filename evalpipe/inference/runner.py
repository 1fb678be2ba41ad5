"""`run_inference`: template, skip cached examples, generate in batches, checkpoint each batch."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from evalpipe.inference.backends.base import Backend, make_backend
from evalpipe.inference.cache import OUTPUT_SCHEMA, OutputCache
from evalpipe.inference.systems import SystemSpec
from evalpipe.inference.templating import Templater
from evalpipe.inference.types import GenerationResult


def _rows(system: SystemSpec, results: Iterable[GenerationResult]) -> list[dict[str, Any]]:
    now = dt.datetime.now(dt.UTC)
    rows = []
    for r in results:
        row = r.to_row()
        row.update(
            fingerprint=system.fingerprint,
            system_name=system.name,
            backend=system.backend,
            model=system.model,
            created_at=now,
        )
        rows.append(row)
    return rows


def run_inference(
    system: SystemSpec,
    examples: list[dict[str, Any]] | pd.DataFrame,
    cache_dir: str | Path,
    backend: Backend | None = None,
    progress: bool = True,
    batch_size: int | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Generate outputs for `examples` (dicts with example_id, content_hash, messages).

    Cached (fingerprint, content_hash) pairs are served from `cache_dir` without touching the
    backend (which is then not even constructed); new results are appended after every batch so
    a crash resumes where it stopped. Returns one row per input example, in input order, and
    stats: n, cache_hits, generated, failures, generated_tokens, tokens_per_s, wall_s.
    """
    if isinstance(examples, pd.DataFrame):
        examples = examples.to_dict("records")
    t_start = time.perf_counter()
    cache = OutputCache(cache_dir, system.fingerprint)
    cached = cache.load()
    cached_by_hash = {h: i for i, h in enumerate(cached["content_hash"])}
    todo: list[dict[str, Any]] = []
    seen: set[str] = set()
    for ex in examples:
        h = str(ex["content_hash"])
        if h not in cached_by_hash and h not in seen:
            todo.append(ex)
            seen.add(h)

    new_results: dict[str, GenerationResult] = {}
    gen_s = 0.0
    if todo:
        backend = backend or make_backend(system)
        templater = Templater(system, backend.tokenizer, backend.context_window)
        requests = [templater.build(ex) for ex in todo]
        if backend.name in ("transformers",):  # same-length neighbours per backend call: less padding
            requests.sort(key=lambda r: len(r.prompt_token_ids), reverse=True)
        step = batch_size or backend.preferred_batch_size
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(requests), desc=f"inference[{system.name}]", unit="ex")
        for start in range(0, len(requests), step):
            chunk = requests[start : start + step]
            t0 = time.perf_counter()
            results = backend.generate(chunk)
            gen_s += time.perf_counter() - t0
            if len(results) != len(chunk):
                raise RuntimeError(
                    f"backend {backend.name} returned {len(results)} results for {len(chunk)} requests"
                )
            cache.append(_rows(system, results))  # checkpoint: this batch survives a crash
            for r in results:
                new_results[r.content_hash] = r
            if bar is not None:
                bar.update(len(chunk))
                bar.set_postfix(tok=sum(r.output_tokens for r in new_results.values()))
        if bar is not None:
            bar.close()

    new_rows = {r["content_hash"]: r for r in _rows(system, new_results.values())}
    out_rows = []
    hits = 0
    for ex in examples:
        h = str(ex["content_hash"])
        if h in cached_by_hash:
            row = cached.iloc[cached_by_hash[h]].to_dict()
            for c in ("prompt_token_ids", "completion_token_ids"):
                row[c] = [int(x) for x in row[c]] if row[c] is not None else []
            row["cached"] = True
            hits += 1
        else:
            row = dict(new_rows[h])
            row["cached"] = False
        row["example_id"] = str(ex["example_id"])  # same content under another id: keep the caller's id
        out_rows.append(row)
    df = pd.DataFrame(out_rows, columns=[*OUTPUT_SCHEMA.names, "cached"])
    generated_tokens = int(sum(r.output_tokens for r in new_results.values()))
    stats = {
        "system": system.name,
        "fingerprint": system.fingerprint,
        "n": len(examples),
        "cache_hits": hits,
        "generated": len(new_results),
        "failures": int((df["finish_reason"] == "error").sum()),
        "generated_tokens": generated_tokens,
        "tokens_per_s": generated_tokens / gen_s if gen_s > 0 else 0.0,
        "generation_s": gen_s,
        "wall_s": time.perf_counter() - t_start,
    }
    return df, stats
