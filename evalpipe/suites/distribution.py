"""Distribution partition: the stratified production sample as reference-free eval items.

Input is the sample (from `stratified_sample`) and the *scrubbed* canonical rows; a row without
`scrubber_version` is refused (UnscrubbedInputError), so raw logs cannot reach a dataset.

Choices (documented in the README):
- `input_messages`: the canonical messages up to and including the last user turn, text parts only,
  roles user/assistant; system messages are excluded (the system under test brings its own
  template), tool calls/results and empty messages are dropped.
- `context`: `retrieved_context` as [{id, content}] (scores dropped); null when absent.
- `reference` is null; the logged answer (assistant text parts) is kept in `production_answer`.
- `weight` = design weight N_h/n_h, `stratum` = the sampling stratum label.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from evalpipe.sampling.text import message_text, parse_messages
from evalpipe.suites.schema import make_row

_FEATURE_SOURCE_COLS = ("features_version", "draw_key", "dup_count", "take_all", "stratum_N", "stratum_n")


class UnscrubbedInputError(ValueError):
    """Distribution rows must come from scrubbed logs (a `scrubber_version` on every row)."""


def rebuild_messages(input_messages: str | list | None) -> list[dict[str, str]]:
    msgs = [m for m in parse_messages(input_messages) if isinstance(m, dict)]
    last_user = max((i for i, m in enumerate(msgs) if m.get("role") == "user"), default=-1)
    out = []
    for m in msgs[: last_user + 1]:
        role = m.get("role")
        if role not in ("user", "assistant"):
            continue
        text = message_text(m)
        if text.strip():
            out.append({"role": role, "content": text})
    return out


def rebuild_context(retrieved_context: str | list | None) -> list[dict[str, str]] | None:
    if retrieved_context is None or (isinstance(retrieved_context, float) and pd.isna(retrieved_context)):
        return None
    items = json.loads(retrieved_context) if isinstance(retrieved_context, str) else retrieved_context
    if not isinstance(items, list) or not items:
        return None
    return [
        {"id": str(p.get("id", i)), "content": str(p.get("content", ""))}
        for i, p in enumerate(items)
        if isinstance(p, dict)
    ]


def production_answer(output_messages: str | list | None) -> str | None:
    texts = [
        message_text(m)
        for m in parse_messages(output_messages)
        if isinstance(m, dict) and m.get("role", "assistant") == "assistant"
    ]
    text = "\n".join(t for t in texts if t)
    return text or None


def _scalar(v: Any) -> Any:
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and pd.isna(v):
        return None
    return v


def distribution_rows(sample_df: pd.DataFrame, scrubbed_df: pd.DataFrame) -> list[dict[str, Any]]:
    """One eval row per sampled record (ordered by record id); empty sample -> []."""
    if len(sample_df) == 0:
        return []
    if "scrubber_version" not in scrubbed_df.columns:
        raise UnscrubbedInputError("scrubbed_df has no scrubber_version column: refusing unscrubbed logs")
    need = [
        "record_id",
        "input_messages",
        "output_messages",
        "retrieved_context",
        "day",
        "source_file",
        "source_line",
        "scrubber_version",
    ]
    cols = [c for c in need if c in scrubbed_df.columns]
    canon = scrubbed_df[cols].drop_duplicates("record_id")
    feat_cols = [
        c
        for c in (
            "record_id",
            "stratum",
            "design_weight",
            "intent",
            "language",
            "feedback",
            "error_class",
            *_FEATURE_SOURCE_COLS,
        )
        if c in sample_df.columns
    ]
    merged = sample_df[feat_cols].merge(canon, on="record_id", how="left", indicator=True)
    missing = merged.loc[merged["_merge"] != "both", "record_id"].tolist()
    if missing:
        raise ValueError(f"{len(missing)} sampled record(s) not found in scrubbed logs, e.g. {missing[:3]}")
    bad = merged["scrubber_version"].isna()
    if bad.any():
        raise UnscrubbedInputError(
            f"{int(bad.sum())} sampled record(s) have no scrubber_version, e.g. {merged.loc[bad, 'record_id'].tolist()[:3]}"
        )
    rows = []
    for r in merged.sort_values("record_id").to_dict("records"):
        msgs = rebuild_messages(r["input_messages"])
        if not msgs:
            msgs = [{"role": "user", "content": ""}]
        tags = ["distribution"] + [
            f"{k}:{r[k]}" for k in ("intent", "language", "feedback", "error_class") if k in r
        ]
        source = {
            "generator": "distribution/1",
            "record_id": r["record_id"],
            "day": _scalar(r.get("day")),
            "source_file": _scalar(r.get("source_file")),
            "source_line": _scalar(r.get("source_line")),
            "scrubber_version": _scalar(r["scrubber_version"]),
        }
        source.update({k: _scalar(r[k]) for k in _FEATURE_SOURCE_COLS if k in r})
        rows.append(
            make_row(
                example_id=f"dist-{r['record_id']}",
                partition="distribution",
                input_messages=msgs,
                context=rebuild_context(r.get("retrieved_context")),
                tags=tags,
                stratum=r.get("stratum"),
                weight=float(r.get("design_weight", 1.0)),
                source=source,
                production_answer=production_answer(r.get("output_messages")),
            )
        )
    return rows
