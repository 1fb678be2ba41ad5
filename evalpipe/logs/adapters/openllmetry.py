"""Traceloop OpenLLMetry spans (`opentelemetry-instrumentation-openai` and its siblings).

Two generations are in the field:

- 0.47.x and earlier: indexed attributes `gen_ai.prompt.{i}.role|content|tool_calls.{k}.*`,
  `gen_ai.completion.{i}.*`, `llm.request.type`, `gen_ai.usage.prompt_tokens`,
  `llm.usage.total_tokens`, `llm.user`, `llm.is_streaming`;
- 0.5x/0.6x: the current GenAI attributes (`gen_ai.input.messages`, `gen_ai.operation.name`,
  `gen_ai.user`, `gen_ai.is_streaming`), read by the shared GenAI code in `otel.py`.

Both mark streamed calls with one span event per received chunk (`llm.content.completion.chunk`
or `gen_ai.content.completion.chunk`): the first one's time is the time to first token.
Content capture is on by default and turned off with `TRACELOOP_TRACE_CONTENT=false`.
"""

from __future__ import annotations

import json
from typing import Any

from evalpipe.logs.fields import as_int, as_str, maybe_json, unflatten

FORMAT = "openllmetry"
CONTENT_SETTING = "TRACELOOP_TRACE_CONTENT=true (OpenLLMetry's default; false drops prompts and completions)"
# Attributes only Traceloop writes (exact keys, so recognising a span costs one set lookup per key):
# every OpenLLMetry LLM span carries at least one of them.
MARKER_KEYS = frozenset(
    {
        "llm.request.type",
        "llm.is_streaming",
        "gen_ai.is_streaming",
        "llm.usage.total_tokens",
        "llm.user",
        "llm.headers",
        "gen_ai.prompt.0.role",
        "gen_ai.prompt.0.content",
        "gen_ai.completion.0.role",
        "gen_ai.completion.0.content",
        "traceloop.span.kind",
        "traceloop.entity.name",
        "traceloop.workflow.name",
    }
)
MODEL_REQUEST_TYPES = {"chat", "completion"}
CHUNK_EVENTS = {"llm.content.completion.chunk", "gen_ai.content.completion.chunk"}


def _content_parts(content: Any) -> list[dict[str, Any]]:
    """Traceloop writes list content (multimodal) as a JSON string of OpenAI content parts."""
    if content is None:
        return []
    if isinstance(content, str) and content[:1] == "[":
        try:
            decoded = json.loads(content)
        except ValueError:
            decoded = None
        if isinstance(decoded, list) and all(isinstance(p, dict) for p in decoded):
            return [
                {"type": "text", "content": str(p.get("text", ""))}
                if p.get("type") == "text"
                else {"type": str(p.get("type", "unknown")), "content": json.dumps(p)}
                for p in decoded
            ]
    return [{"type": "text", "content": str(content)}]


def _tool_calls(calls: Any) -> list[dict[str, Any]]:
    return [
        {
            "type": "tool_call",
            "id": tc.get("id"),
            "name": tc.get("name"),
            "arguments": maybe_json(tc.get("arguments")),
        }
        for tc in (calls if isinstance(calls, list) else [])
        if isinstance(tc, dict)
    ]


def _messages(items: list[Any]) -> list[dict[str, Any]]:
    out = []
    for m in items:
        if not isinstance(m, dict):
            continue
        role = str(m.get("role") or "user")
        if role == "tool":
            parts = [
                {"type": "tool_call_response", "id": m.get("tool_call_id"), "response": m.get("content")}
            ]
        else:
            parts = _content_parts(m.get("content")) + _tool_calls(m.get("tool_calls"))
        msg: dict[str, Any] = {"role": role, "parts": parts}
        if "finish_reason" in m:
            msg["finish_reason"] = m.get("finish_reason")
        out.append(msg)
    return out


def read(attrs: dict[str, Any], events: list[tuple[str, int, Any]], start_ns: int) -> dict[str, Any]:
    """What the legacy attributes say, in canonical terms; None values defer to the GenAI reader."""
    view: dict[str, Any] = {}
    prompts = unflatten(attrs, "gen_ai.prompt.")
    completions = unflatten(attrs, "gen_ai.completion.")
    if prompts or completions:
        view["inputs"] = _messages(prompts)
        view["outputs"] = [
            {**m, "role": "assistant", "finish_reason": m.get("finish_reason")}
            for m in _messages(completions)
        ] or None
    view["input_tokens"] = as_int(attrs.get("gen_ai.usage.prompt_tokens"), "gen_ai.usage.prompt_tokens")
    view["output_tokens"] = as_int(
        attrs.get("gen_ai.usage.completion_tokens"), "gen_ai.usage.completion_tokens"
    )
    view["user_id"] = as_str(attrs.get("llm.user"), "llm.user")
    chunks = [t for name, t, _ in events if name in CHUNK_EVENTS]
    if chunks:
        view["ttft_ms"] = (min(chunks) - start_ns) / 1e6
    return view
