"""Turn eval-dataset rows into what a system under test is fed.

RAG items carry knowledge-base passages in `context`; a system sees them the way the production
assistant did: numbered passages ahead of the question in the last user turn.  The dataset's
`content_hash` already covers (input_messages, context), so it stays the cache key.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd


def with_context(
    messages: list[dict[str, str]], context: list[dict[str, Any]] | None
) -> list[dict[str, str]]:
    if not context:
        return messages
    passages = "\n".join(f"[{i + 1}] {c.get('content', '')}" for i, c in enumerate(context))
    out = [dict(m) for m in messages]
    for m in reversed(out):
        if m.get("role") == "user":
            m["content"] = f"Knowledge-base passages:\n{passages}\n\nQuestion: {m.get('content', '')}"
            break
    else:
        out.append({"role": "user", "content": f"Knowledge-base passages:\n{passages}"})
    return out


def _json_or(value: Any, default: Any) -> Any:
    """Parse a JSON text cell; a missing cell (None, or NaN as pandas 3 reads it) is ``default``."""
    return json.loads(value) if isinstance(value, str) and value else default


def dataset_examples(dataset: pd.DataFrame) -> list[dict[str, Any]]:
    """example_id, content_hash, messages (context folded in) for every dataset row, in row order."""
    out = []
    for r in dataset.itertuples(index=False):
        msgs = _json_or(r.input_messages, [])
        ctx = _json_or(getattr(r, "context", None), None)
        out.append(
            {"example_id": r.example_id, "content_hash": r.content_hash, "messages": with_context(msgs, ctx)}
        )
    return out
