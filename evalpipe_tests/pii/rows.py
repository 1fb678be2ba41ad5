"""A canonical `llm_call` row with a user turn and optional tool call / tool result (shared by the
field-aware scrubbing tests)."""

from __future__ import annotations

import json


def canonical_row(
    i: int,
    user: str,
    args: dict | None = None,
    result: dict | None = None,
    meta: dict | None = None,
    *,
    prefix: str = "g",
    tool: str = "lookup",
) -> dict:
    parts = [{"role": "user", "parts": [{"type": "text", "content": user}]}]
    if args is not None:
        parts.append(
            {
                "role": "assistant",
                "parts": [{"type": "tool_call", "id": "t1", "name": tool, "arguments": json.dumps(args)}],
            }
        )
    if result is not None:
        parts.append(
            {
                "role": "tool",
                "parts": [{"type": "tool_call_response", "id": "t1", "response": json.dumps(result)}],
            }
        )
    return {
        "record_id": f"{prefix}{i}",
        "day": "2026-02-02",
        "source_format": "generic",
        "source_file": f"{prefix}.jsonl",
        "source_line": i + 1,
        "source_index": 0,
        "status": "ok",
        "input_messages": json.dumps(parts),
        "output_messages": None,
        "system_instructions": None,
        "error_message": None,
        "metadata": json.dumps(meta) if meta is not None else None,
    }
