"""The canonical `llm_call` schema: one row per model call, whatever format it was logged in.

Messages follow the OpenTelemetry GenAI "role + parts" form so that every adapter lands on
the same shape.  Nested values (messages, params, metadata, context) are stored as JSON
strings: Parquet and DuckDB read them directly (`json_extract`), and the schema stays stable
when a source adds a field.

Message form (JSON strings)::

    input_messages  = [{"role": "user"|"assistant"|"tool"|"system",
                        "parts": [{"type": "text", "content": "..."},
                                  {"type": "tool_call", "id": "...", "name": "...", "arguments": {...}},
                                  {"type": "tool_call_response", "id": "...", "response": "..."}]}]
    output_messages = [{"role": "assistant", "parts": [...], "finish_reason": "stop"}]
    system_instructions = [{"type": "text", "content": "..."}]
    retrieved_context = [{"id": "kb/pricing.md#2", "content": "...", "score": 0.83}]
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "llm_call/1"

LLM_CALL_SCHEMA = pa.schema(
    [
        pa.field("record_id", pa.string(), nullable=False),  # stable id: hash of source id or lineage
        pa.field("day", pa.string(), nullable=False),  # partition key, YYYY-MM-DD
        pa.field("source_format", pa.string(), nullable=False),  # openai | otel | generic
        pa.field("source_file", pa.string(), nullable=False),  # path relative to the source root
        pa.field("source_line", pa.int64(), nullable=False),  # 1-based line in source_file
        pa.field("source_index", pa.int64(), nullable=False),  # span index within the line (OTel), else 0
        pa.field("call_id", pa.string()),  # the source's own id (response id, span id, ...)
        pa.field("trace_id", pa.string()),
        pa.field("span_id", pa.string()),
        pa.field("session_id", pa.string()),
        pa.field("user_id", pa.string()),
        pa.field("turn_index", pa.int64()),
        pa.field("started_at", pa.timestamp("us", tz="UTC")),
        pa.field("latency_ms", pa.float64()),
        pa.field("ttft_ms", pa.float64()),
        pa.field("provider", pa.string()),
        pa.field("request_model", pa.string()),
        pa.field("response_model", pa.string()),
        pa.field("system_instructions", pa.string()),  # JSON list of parts
        pa.field("input_messages", pa.string()),  # JSON list of messages
        pa.field("output_messages", pa.string()),  # JSON list of messages
        pa.field("retrieved_context", pa.string()),  # JSON list of passages
        pa.field("tools", pa.string()),  # JSON list of tool definitions offered to the model
        pa.field("params", pa.string()),  # JSON object: temperature, max_tokens, top_p, seed, ...
        pa.field("input_tokens", pa.int64()),
        pa.field("output_tokens", pa.int64()),
        pa.field("cost_usd", pa.float64()),
        pa.field("status", pa.string(), nullable=False),  # ok | error
        pa.field("finish_reason", pa.string()),
        pa.field("error_type", pa.string()),
        pa.field("error_message", pa.string()),
        pa.field("feedback_score", pa.int64()),  # +1 thumbs up, -1 thumbs down, null none
        pa.field("feedback_comment", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("metadata", pa.string()),  # JSON object of extra source fields
    ]
)

LLM_CALL_COLUMNS: list[str] = LLM_CALL_SCHEMA.names

# Fields that can carry free text (and so PII): the scrubber must cover every one of them.
TEXT_FIELDS: tuple[str, ...] = (
    "system_instructions",
    "input_messages",
    "output_messages",
    "retrieved_context",
    "tools",
    "error_message",
    "feedback_comment",
    "tags",
    "metadata",
    "user_id",
    "session_id",
)

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("day", pa.string(), nullable=False),
        pa.field("source_format", pa.string(), nullable=False),
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("source_line", pa.int64(), nullable=False),
        pa.field("source_index", pa.int64(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),  # ingest | scrub
        pa.field("reason", pa.string(), nullable=False),  # short machine-readable code
        pa.field("detail", pa.string()),  # human-readable explanation
        pa.field("raw", pa.binary()),  # the raw bytes of the rejected unit (ingest stage only)
    ]
)
