"""OpenAI Batch API files: the input file and the output (and error) file, joined by `custom_id`.

Input lines: `{"custom_id", "method", "url", "body"}` where `body` is the request.  Output lines:
`{"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}` in any order;
a failed request is either a non-2xx `response` whose body is an OpenAI error, or
`response: null` with `error: {"code": "batch_expired" | ..., "message"}`.  The joined pair is
read as a gateway record (`openai_jsonl`): request body as the request, response body as the
response, `created` as the start time.  Batch files carry no timing, so latency is empty.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from evalpipe.logs.adapters import openai_jsonl
from evalpipe.logs.errors import RecordError
from evalpipe.logs.fields import as_dict, as_int, as_str

FORMAT = "openai_batch"
INPUT_KEYS = ("custom_id", "method", "url", "body")


def looks_like_input(obj: Any) -> bool:
    return isinstance(obj, dict) and all(k in obj for k in INPUT_KEYS)


def looks_like_output(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and "custom_id" in obj
        and "response" in obj
        and "error" in obj
        and "body" not in obj
    )


def looks_like(obj: Any) -> bool:
    return looks_like_input(obj) or looks_like_output(obj)


def input_entry(obj: Any) -> tuple[str, dict[str, Any]]:
    """(custom_id, request body) of an input line; RecordError when unusable."""
    if not isinstance(obj, dict):
        raise RecordError("not_an_object", f"expected a JSON object, got {type(obj).__name__}")
    cid = as_str(obj.get("custom_id"), "custom_id", optional=False)
    body = as_dict(obj.get("body"), "body")
    if not body:
        raise RecordError("missing_field", "body is missing")
    return cid, body


def output_custom_id(obj: Any) -> str:
    if not isinstance(obj, dict):
        raise RecordError("not_an_object", f"expected a JSON object, got {type(obj).__name__}")
    return as_str(obj.get("custom_id"), "custom_id", optional=False)


def created_of(obj: Any) -> int | None:
    """The response's `created` (epoch seconds), used as the file's fallback start time."""
    try:
        return int(obj["response"]["body"]["created"])
    except (KeyError, TypeError, ValueError):
        return None


def to_canonical(
    obj: dict[str, Any], request: dict[str, Any], fallback_created: int | None
) -> dict[str, Any]:
    """One output line + its request body -> a canonical row (via the gateway reader)."""
    response = obj.get("response")
    error = obj.get("error")
    record: dict[str, Any] = {
        "request": request,
        "request_id": as_str(obj.get("id"), "id"),
        "custom_id": obj["custom_id"],
    }
    if response is not None:
        response = as_dict(response, "response")
        code = as_int(response.get("status_code"), "response.status_code")
        body = as_dict(response.get("body"), "response.body")
        record["batch_status_code"] = code
        if response.get("request_id"):
            record["batch_request_id"] = response["request_id"]
        if code is not None and 200 <= code < 300:
            record["response"] = body
        else:
            err = as_dict(body.get("error"), "response.body.error") or {"message": f"HTTP {code}"}
            record["error"] = {
                "type": err.get("type") or err.get("code") or f"http_{code}",
                "message": err.get("message"),
            }
            if err.get("code"):
                record["error_code"] = err["code"]
    elif error is not None:
        err = as_dict(error, "error")
        record["error"] = {"type": err.get("code") or "batch_error", "message": err.get("message")}
    else:
        raise RecordError("missing_field", "neither response nor error is present")
    created = created_of(obj) or fallback_created
    if "response" not in record:
        record["timestamp"] = (
            dt.datetime.fromtimestamp(created, tz=dt.UTC).isoformat()
            if created
            else "1970-01-01T00:00:00+00:00"
        )
    row = openai_jsonl.to_canonical(record)
    if "response" not in record and not created:
        row["started_at"] = None  # no time anywhere in the batch: leave it empty rather than invent one
    return row
