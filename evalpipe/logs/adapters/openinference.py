"""Arize OpenInference spans (`openinference-instrumentation-*`).

A model call is a span with `openinference.span.kind = LLM`; its messages are flattened into
`llm.input_messages.{i}.message.role|content|contents.{j}.message_content.*|tool_calls.{k}.tool_call.*`
and `llm.output_messages.*`, tokens into `llm.token_count.*`, the request in
`llm.invocation_parameters` (JSON) and the raw request/response in `input.value`/`output.value`
(read when the flattened messages are absent).  `llm.model_name` is the model that answered
(the response model); the requested one is in the invocation parameters.  With the opt-in
`OPENINFERENCE_ENABLE_GENAI_SEMCONV=true` the package adds GenAI attributes alongside, but
writes the response model into `gen_ai.request.model`, so the OpenInference attributes win.
Streamed calls carry a `First Token Stream Event`; errors an `exception` event.
Hidden content (`OPENINFERENCE_HIDE_*`) is written as `__REDACTED__` and read as absent.
"""

from __future__ import annotations

import json
from typing import Any

from evalpipe.logs.errors import RecordError
from evalpipe.logs.fields import as_float, as_int, as_str, maybe_json, unflatten

FORMAT = "openinference"
CONTENT_SETTING = (
    "OPENINFERENCE_HIDE_INPUTS / OPENINFERENCE_HIDE_OUTPUTS / OPENINFERENCE_HIDE_INPUT_MESSAGES / "
    "OPENINFERENCE_HIDE_OUTPUT_MESSAGES unset or false"
)
REDACTED = "__REDACTED__"
FIRST_TOKEN_EVENT = "First Token Stream Event"
PARAM_KEYS = ("temperature", "max_tokens", "max_completion_tokens", "top_p", "seed", "stop", "n")


def _text(v: Any) -> str | None:
    return None if v is None or v == REDACTED else str(v)


def _message(item: Any) -> dict[str, Any] | None:
    m = item.get("message") if isinstance(item, dict) else None
    if not isinstance(m, dict):
        return None
    role = str(m.get("role") or "user")
    parts: list[dict[str, Any]] = []
    if role == "tool":
        parts.append(
            {"type": "tool_call_response", "id": m.get("tool_call_id"), "response": _text(m.get("content"))}
        )
    else:
        text = _text(m.get("content"))
        if text is not None:
            parts.append({"type": "text", "content": text})
        for c in m.get("contents") or []:
            mc = c.get("message_content") if isinstance(c, dict) else None
            if not isinstance(mc, dict):
                continue
            if mc.get("type") == "text" and _text(mc.get("text")) is not None:
                parts.append({"type": "text", "content": _text(mc.get("text"))})
            elif mc.get("type") != "text":
                parts.append({"type": str(mc.get("type", "unknown")), "content": json.dumps(mc, default=str)})
        for tc in m.get("tool_calls") or []:
            t = tc.get("tool_call") if isinstance(tc, dict) else None
            if isinstance(t, dict):
                fn_obj = t.get("function")
                fn = fn_obj if isinstance(fn_obj, dict) else {}
                parts.append(
                    {
                        "type": "tool_call",
                        "id": t.get("id"),
                        "name": fn.get("name"),
                        "arguments": maybe_json(fn.get("arguments")),
                    }
                )
    return {"role": role, "parts": parts}


def _json_attr(attrs: dict[str, Any], key: str) -> Any:
    v = attrs.get(key)
    if v is None or v == REDACTED:
        return None
    if not isinstance(v, str):
        return v
    try:
        return json.loads(v)
    except ValueError:
        return None


def _from_raw_values(attrs: dict[str, Any]) -> tuple[list | None, list | None]:
    """input.value / output.value hold the OpenAI request / response as JSON when messages are absent."""
    from evalpipe.logs.adapters.openai_jsonl import convert_messages

    inputs = outputs = None
    req = _json_attr(attrs, "input.value") if attrs.get("input.mime_type") == "application/json" else None
    if isinstance(req, dict) and isinstance(req.get("messages"), list):
        try:
            system, msgs = convert_messages(req["messages"], "input.value.messages")
        except RecordError:
            system, msgs = [], []
        inputs = [{"role": "system", "parts": system}] + msgs if system else msgs
    resp = _json_attr(attrs, "output.value") if attrs.get("output.mime_type") == "application/json" else None
    if isinstance(resp, dict) and isinstance(resp.get("choices"), list):
        outputs = []
        for ch in resp["choices"]:
            msg = ch.get("message") if isinstance(ch, dict) else None
            if isinstance(msg, dict) and msg.get("content") is not None:
                outputs.append(
                    {
                        "role": "assistant",
                        "parts": [{"type": "text", "content": str(msg["content"])}],
                        "finish_reason": ch.get("finish_reason"),
                    }
                )
    return inputs, outputs or None


def read(attrs: dict[str, Any], events: list[tuple[str, int, Any]], start_ns: int) -> dict[str, Any]:
    """The OpenInference attributes in canonical terms; None values defer to the GenAI reader."""
    view: dict[str, Any] = {}
    ins = [m for m in map(_message, unflatten(attrs, "llm.input_messages.")) if m is not None]
    outs = [m for m in map(_message, unflatten(attrs, "llm.output_messages.")) if m is not None]
    if not ins and not outs:
        raw_in, raw_out = _from_raw_values(attrs)
        ins, outs = raw_in or [], raw_out or []
    finish = as_str(attrs.get("llm.finish_reason"), "llm.finish_reason")
    for m in outs:
        m["role"] = "assistant"
        m.setdefault("finish_reason", finish)
    if ins or outs:
        view["inputs"], view["outputs"] = ins, outs or None
    params = _json_attr(attrs, "llm.invocation_parameters")
    params = params if isinstance(params, dict) else {}
    view["params"] = {k: params[k] for k in PARAM_KEYS if k in params}
    view["request_model"] = as_str(
        attrs.get("llm.request.model_name", params.get("model")), "llm.invocation_parameters.model"
    )
    view["response_model"] = as_str(
        attrs.get("llm.response.model_name", attrs.get("llm.model_name")), "llm.model_name"
    )
    view["provider"] = as_str(attrs.get("llm.provider", attrs.get("llm.system")), "llm.provider")
    view["input_tokens"] = as_int(attrs.get("llm.token_count.prompt"), "llm.token_count.prompt")
    view["output_tokens"] = as_int(attrs.get("llm.token_count.completion"), "llm.token_count.completion")
    view["cost_usd"] = as_float(attrs.get("llm.cost.total"), "llm.cost.total")
    view["user_id"] = as_str(attrs.get("user.id"), "user.id")
    view["session_id"] = as_str(attrs.get("session.id"), "session.id")
    tools = [
        t.get("tool", {}).get("json_schema") for t in unflatten(attrs, "llm.tools.") if isinstance(t, dict)
    ]
    tools = [maybe_json(t) for t in tools if t is not None]
    view["tools"] = tools or None
    first = [t for name, t, _ in events if name == FIRST_TOKEN_EVENT]
    if first:
        view["ttft_ms"] = (min(first) - start_ns) / 1e6
    return view
