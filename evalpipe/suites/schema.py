"""The eval-dataset row schema shared by all four partitions.

Nested values are JSON strings (like the `llm_call` schema) so Parquet/DuckDB read them directly.

- `input_messages`: JSON list of {"role", "content"} (plain strings, not OTel parts: this is what a
  system under test is fed after its own template/system prompt).
- `context`: JSON list of {"id", "content"} or null.
- `constraints`: JSON object or null; vocabulary: refusal_expected (bool), forbidden_terms
  (list[str], case-insensitive substrings), forbidden_patterns (list[regex]), must_mention
  (list[str]), max_chars (int), must_ask_clarification (bool), json_schema (JSON Schema object),
  language (expected ISO 639-1 answer language).
- `paraphrase_of` / `paraphrase_id`: a paraphrased item points to its source example; the source
  item itself has paraphrase_id 0 (so items x paraphrases is a complete crossed design).
- `production_answer`: distribution partition only, the logged (scrubbed) answer; `reference`
  stays null there because production answers are not gold.
- `content_hash`: blake2b of canonical (input_messages, context): the inference cache key part.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from evalpipe.sampling.text import blake2b_hex, canonical_json

PARTITIONS: tuple[str, ...] = ("golden", "regression", "adversarial", "distribution")
EVAL_SCHEMA_VERSION = "eval_dataset/1"

EVAL_SCHEMA = pa.schema(
    [
        pa.field("example_id", pa.string(), nullable=False),
        pa.field("partition", pa.string(), nullable=False),
        pa.field("input_messages", pa.string(), nullable=False),
        pa.field("context", pa.string()),
        pa.field("reference", pa.string()),
        pa.field("rubric", pa.string()),
        pa.field("constraints", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("stratum", pa.string()),
        pa.field("weight", pa.float64(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("paraphrase_of", pa.string()),
        pa.field("paraphrase_id", pa.int64()),
        pa.field("production_answer", pa.string()),
        pa.field("content_hash", pa.string(), nullable=False),
    ]
)
EVAL_COLUMNS: list[str] = EVAL_SCHEMA.names


def example_content_hash(input_messages: list[dict], context: list[dict] | None) -> str:
    return blake2b_hex(canonical_json({"input_messages": input_messages, "context": context}), digest_size=16)


def make_row(
    *,
    example_id: str,
    partition: str,
    input_messages: list[dict[str, str]],
    context: list[dict[str, str]] | None = None,
    reference: str | None = None,
    rubric: str | None = None,
    constraints: dict[str, Any] | None = None,
    tags: list[str] | None = None,
    stratum: str | None = None,
    weight: float = 1.0,
    source: dict[str, Any] | None = None,
    paraphrase_of: str | None = None,
    paraphrase_id: int | None = None,
    production_answer: str | None = None,
) -> dict[str, Any]:
    """One eval row with JSON fields serialised canonically and its content hash set."""
    if partition not in PARTITIONS:
        raise ValueError(f"unknown partition {partition!r}")
    for m in input_messages:
        if set(m) != {"role", "content"} or not isinstance(m["content"], str):
            raise ValueError(f"{example_id}: messages must be {{role, content:str}}, got {m!r}")
    return {
        "example_id": example_id,
        "partition": partition,
        "input_messages": canonical_json(input_messages),
        "context": canonical_json(context) if context is not None else None,
        "reference": reference,
        "rubric": rubric,
        "constraints": canonical_json(constraints) if constraints is not None else None,
        "tags": sorted(set(tags or [])),
        "stratum": stratum,
        "weight": float(weight),
        "source": canonical_json(source or {}),
        "paraphrase_of": paraphrase_of,
        "paraphrase_id": paraphrase_id,
        "production_answer": production_answer,
        "content_hash": example_content_hash(input_messages, context),
    }


# Columns of a dataset row that can hold free text (and so PII): what residue checks scan.
TEXT_COLUMNS: tuple[str, ...] = (
    "input_messages",
    "context",
    "reference",
    "rubric",
    "constraints",
    "production_answer",
    "source",
)


def row_texts(row: dict[str, Any]) -> list[str]:
    """All free-text values of a row (for PII residue checks)."""
    out = []
    for k in TEXT_COLUMNS:
        v = row.get(k)
        if isinstance(v, str):
            out.append(v)
    out.extend(row.get("tags") or [])
    return out


def messages(row: dict[str, Any]) -> list[dict[str, str]]:
    return json.loads(row["input_messages"])
