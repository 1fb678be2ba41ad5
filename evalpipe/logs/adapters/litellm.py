"""LiteLLM's `StandardLoggingPayload`, one JSON object per line.

What LiteLLM hands every logging integration (custom loggers, JSON logs, the proxy's spend and
S3/GCS loggers): `messages` and `response` in OpenAI form, `status` success | failure with
`error_information` (error class and code), epoch-second `startTime` / `endTime` /
`completionStartTime` (latency, and time to first token on streamed calls), token counts,
`response_cost`, `model_parameters`, `end_user`, `request_tags`, `trace_id`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from evalpipe.logs.adapters.openai_jsonl import PARAM_KEYS, _content_parts, _tool_call_parts, convert_messages
from evalpipe.logs.errors import RecordError
from evalpipe.logs.fields import as_dict, as_float, as_int, as_list, as_str, dumps

FORMAT = "litellm"
KEYS = ("call_type", "startTime", "endTime", "messages", "status")
METADATA_KEYS = ("litellm_call_id", "api_base", "model_group", "model_id", "cache_hit", "call_type")


def looks_like(obj: Any) -> bool:
    return isinstance(obj, dict) and all(k in obj for k in KEYS) and "model_parameters" in obj


def _epoch(value: Any, path: str) -> float | None:
    v = as_float(value, path) if not isinstance(value, str) else None
    if isinstance(value, str):  # some loggers stringify datetimes
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError as e:
            raise RecordError("schema_violation", f"{path}: not epoch seconds or ISO-8601") from e
    return v


def to_canonical(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise RecordError("not_an_object", f"expected a JSON object, got {type(obj).__name__}")
    start = _epoch(obj.get("startTime"), "startTime")
    if start is None:
        raise RecordError("missing_field", "startTime is missing")
    end = _epoch(obj.get("endTime"), "endTime")
    first = _epoch(obj.get("completionStartTime"), "completionStartTime")
    messages = obj.get("messages")
    if isinstance(messages, str):
        messages = [{"role": "user", "content": messages}]
    elif isinstance(messages, dict):
        messages = [messages]
    system, inputs = convert_messages(as_list(messages, "messages"), "messages")
    status = as_str(obj.get("status"), "status", optional=False)
    failed = status != "success"
    response = obj.get("response")
    outputs: list[dict[str, Any]] = []
    finish_reason = response_model = None
    if isinstance(response, dict):
        for i, ch in enumerate(as_list(response.get("choices"), "response.choices")):
            ch = as_dict(ch, f"response.choices[{i}]")
            msg = as_dict(ch.get("message"), f"response.choices[{i}].message")
            parts = _content_parts(msg.get("content"), f"response.choices[{i}].message.content")
            parts += _tool_call_parts(msg.get("tool_calls"), f"response.choices[{i}].message.tool_calls")
            fr = as_str(ch.get("finish_reason"), f"response.choices[{i}].finish_reason")
            outputs.append({"role": "assistant", "parts": parts, "finish_reason": fr})
            finish_reason = finish_reason or fr
        response_model = as_str(response.get("model"), "response.model")
    elif isinstance(response, str) and response:
        outputs.append({"role": "assistant", "parts": [{"type": "text", "content": response}]})
    err = as_dict(obj.get("error_information"), "error_information") if failed else {}
    params = as_dict(obj.get("model_parameters"), "model_parameters")
    meta_in = as_dict(obj.get("metadata"), "metadata")
    tokens_in = as_int(obj.get("prompt_tokens"), "prompt_tokens")
    tokens_out = as_int(obj.get("completion_tokens"), "completion_tokens")
    if failed and not tokens_in and not tokens_out:  # LiteLLM writes 0/0 for calls that never ran
        tokens_in = tokens_out = None
    streamed = obj.get("stream") is True
    metadata = {k: obj[k] for k in METADATA_KEYS if obj.get(k) not in (None, "")}
    if err.get("error_code"):
        metadata["error_code"] = err["error_code"]
    tags = [
        as_str(t, f"request_tags[{i}]", optional=False)
        for i, t in enumerate(as_list(obj.get("request_tags"), "request_tags"))
    ]
    user = obj.get("end_user") or params.get("user") or meta_in.get("user_api_key_end_user_id")
    return {
        "call_id": as_str(obj.get("id") or obj.get("litellm_call_id"), "id"),
        "trace_id": as_str(obj.get("trace_id"), "trace_id"),
        "session_id": as_str(obj.get("session_id") or None, "session_id"),
        "user_id": as_str(user, "end_user"),
        "started_at": dt.datetime.fromtimestamp(start, tz=dt.UTC),
        "latency_ms": (end - start) * 1000 if end is not None else None,
        "ttft_ms": (first - start) * 1000
        if first is not None and (streamed or (end and first < end))
        else None,
        "provider": as_str(obj.get("custom_llm_provider"), "custom_llm_provider"),
        "request_model": as_str(obj.get("model"), "model"),
        "response_model": response_model,
        "system_instructions": dumps(system) if system else None,
        "input_messages": dumps(inputs),
        "output_messages": dumps(outputs) if outputs else None,
        "tools": dumps(params["tools"]) if params.get("tools") else None,
        "params": dumps({k: params[k] for k in PARAM_KEYS if k in params}),
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "cost_usd": as_float(obj.get("response_cost"), "response_cost"),
        "status": "error" if failed else "ok",
        "finish_reason": finish_reason,
        "error_type": (as_str(err.get("error_class"), "error_information.error_class") or "error")
        if failed
        else None,
        "error_message": (as_str(err.get("error_message") or obj.get("error_str"), "error_str"))
        if failed
        else None,
        "tags": tags,
        "metadata": dumps(metadata) if metadata else None,
    }
