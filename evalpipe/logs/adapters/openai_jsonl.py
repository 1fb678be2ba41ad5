"""OpenAI chat-completions logs as gateways and proxies write them.

One JSON object per line: `{"request": <create body>, "response": <chat.completion>, ...}`; an
`error` object replaces the response for failed calls.  Known top-level extras (timestamp,
latency, session, feedback, retrieved context, tags, metadata) map to canonical fields; any
other top-level field is kept in `metadata`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from evalpipe.logs.errors import RecordError
from evalpipe.logs.fields import (
    as_dict,
    as_float,
    as_int,
    as_list,
    as_str,
    as_timestamp,
    dig,
    dumps,
    maybe_json,
)

FORMAT = "openai"
KNOWN_TOP_LEVEL = {
    "request",
    "response",
    "error",
    "request_id",
    "id",
    "timestamp",
    "created_at",
    "latency_ms",
    "ttft_ms",
    "session_id",
    "user_id",
    "turn_index",
    "retrieved_context",
    "cost_usd",
    "feedback",
    "tags",
    "metadata",
}
PARAM_KEYS = (
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "seed",
    "n",
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "response_format",
    "tool_choice",
)


def looks_like(obj: Any) -> bool:
    return isinstance(obj, dict) and "request" in obj and ("response" in obj or "error" in obj)


def _content_parts(content: Any, path: str) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    parts = []
    for i, part in enumerate(as_list(content, path)):
        part = as_dict(part, f"{path}[{i}]")
        if part.get("type") == "text":
            parts.append({"type": "text", "content": as_str(part.get("text"), f"{path}[{i}].text")})
        else:  # images, audio, files: keep the part, it is not text we evaluate
            parts.append({"type": str(part.get("type", "unknown")), "content": dumps(part)})
    return parts


def _tool_call_parts(tool_calls: Any, path: str) -> list[dict[str, Any]]:
    parts = []
    for i, tc in enumerate(as_list(tool_calls, path)):
        tc = as_dict(tc, f"{path}[{i}]")
        fn = as_dict(tc.get("function"), f"{path}[{i}].function")
        parts.append(
            {
                "type": "tool_call",
                "id": as_str(tc.get("id"), f"{path}[{i}].id"),
                "name": as_str(fn.get("name"), f"{path}[{i}].function.name"),
                "arguments": maybe_json(fn.get("arguments")),
            }
        )
    return parts


def convert_messages(messages: list[Any], path: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """OpenAI messages -> (system instruction parts, OTel-style input messages)."""
    system: list[dict[str, Any]] = []
    out: list[dict[str, Any]] = []
    for i, m in enumerate(messages):
        m = as_dict(m, f"{path}[{i}]")
        role = as_str(m.get("role"), f"{path}[{i}].role", optional=False)
        if role in ("system", "developer"):
            system.extend(_content_parts(m.get("content"), f"{path}[{i}].content"))
            continue
        if role == "tool":
            parts = [
                {
                    "type": "tool_call_response",
                    "id": as_str(m.get("tool_call_id"), f"{path}[{i}].tool_call_id"),
                    "response": as_str(m.get("content"), f"{path}[{i}].content"),
                }
            ]
        else:
            parts = _content_parts(m.get("content"), f"{path}[{i}].content")
            parts += _tool_call_parts(m.get("tool_calls"), f"{path}[{i}].tool_calls")
        out.append({"role": role, "parts": parts})
    return system, out


def to_canonical(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise RecordError("not_an_object", f"expected a JSON object, got {type(obj).__name__}")
    request = as_dict(dig(obj, "request"), "request")
    messages = dig(request, "messages")
    if not isinstance(messages, list):
        raise RecordError(
            "schema_violation", f"request.messages: expected list, got {type(messages).__name__}"
        )
    system, inputs = convert_messages(messages, "request.messages")
    response = obj.get("response")
    error = obj.get("error")
    row: dict[str, Any] = {}
    output_messages: list[dict[str, Any]] = []
    finish_reason = None
    if response is not None:
        response = as_dict(response, "response")
        choices = as_list(response.get("choices"), "response.choices")
        for i, ch in enumerate(choices):
            ch = as_dict(ch, f"response.choices[{i}]")
            msg = as_dict(ch.get("message"), f"response.choices[{i}].message")
            parts = _content_parts(msg.get("content"), f"response.choices[{i}].message.content")
            parts += _tool_call_parts(msg.get("tool_calls"), f"response.choices[{i}].message.tool_calls")
            fr = as_str(ch.get("finish_reason"), f"response.choices[{i}].finish_reason")
            output_messages.append({"role": "assistant", "parts": parts, "finish_reason": fr})
            if i == 0:
                finish_reason = fr
        usage = as_dict(response.get("usage"), "response.usage")
        row["input_tokens"] = as_int(usage.get("prompt_tokens"), "response.usage.prompt_tokens")
        row["output_tokens"] = as_int(usage.get("completion_tokens"), "response.usage.completion_tokens")
        row["response_model"] = as_str(response.get("model"), "response.model")
    elif error is None:
        raise RecordError("missing_field", "neither response nor error is present")
    err = as_dict(error, "error") if error is not None else {}

    ts = obj.get("timestamp", obj.get("created_at"))
    if ts is None and response is not None and response.get("created") is not None:
        started = dt.datetime.fromtimestamp(
            cast(int, as_int(response["created"], "response.created")), tz=dt.UTC
        )
    else:
        started = as_timestamp(ts, "timestamp")

    feedback = as_dict(obj.get("feedback"), "feedback")
    score = None
    if feedback:
        thumbs = feedback.get("thumbs")
        if thumbs is not None:
            score = {"up": 1, "down": -1}.get(as_str(thumbs, "feedback.thumbs") or "")
        elif feedback.get("score") is not None:
            score = as_int(feedback.get("score"), "feedback.score")
    metadata = dict(as_dict(obj.get("metadata"), "metadata"))
    for k, v in obj.items():
        if k not in KNOWN_TOP_LEVEL:
            metadata[k] = v
    if response is not None and response.get("system_fingerprint"):
        metadata["system_fingerprint"] = response["system_fingerprint"]
    tags = [as_str(t, f"tags[{i}]", optional=False) for i, t in enumerate(as_list(obj.get("tags"), "tags"))]
    context = [
        as_dict(c, f"retrieved_context[{i}]")
        for i, c in enumerate(as_list(obj.get("retrieved_context"), "retrieved_context"))
    ]
    call_id = as_str(obj.get("request_id") or obj.get("id") or (response or {}).get("id"), "request_id")
    row.update(
        {
            "call_id": call_id,
            "session_id": as_str(obj.get("session_id"), "session_id"),
            "user_id": as_str(obj.get("user_id", request.get("user")), "user_id"),
            "turn_index": as_int(obj.get("turn_index"), "turn_index"),
            "started_at": started,
            "latency_ms": as_float(obj.get("latency_ms"), "latency_ms"),
            "ttft_ms": as_float(obj.get("ttft_ms"), "ttft_ms"),
            "provider": "openai",
            "request_model": as_str(request.get("model"), "request.model"),
            "system_instructions": dumps(system) if system else None,
            "input_messages": dumps(inputs),
            "output_messages": dumps(output_messages) if output_messages else None,
            "retrieved_context": dumps(context) if context else None,
            "tools": dumps(request.get("tools")) if request.get("tools") else None,
            "params": dumps({k: request[k] for k in PARAM_KEYS if k in request}),
            "cost_usd": as_float(obj.get("cost_usd"), "cost_usd"),
            "status": "error" if error is not None else "ok",
            "finish_reason": finish_reason,
            "error_type": as_str(err.get("type") or err.get("code"), "error.type") if err else None,
            "error_message": as_str(err.get("message"), "error.message") if err else None,
            "feedback_score": score,
            "feedback_comment": as_str(feedback.get("comment"), "feedback.comment") if feedback else None,
            "tags": tags,
            "metadata": dumps(metadata) if metadata else None,
        }
    )
    return row
