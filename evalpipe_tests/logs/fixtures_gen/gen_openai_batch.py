"""OpenAI Batch API fixture: an input file and its output file in the documented batch format.

    python gen_openai_batch.py OUT_DIR

Input lines are `{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body"}`; the
18 successful output bodies are what the real `openai` client received from the stand-in
(`with_raw_response`), so they are genuine `chat.completion` objects.  The two failures take
the two documented forms: an HTTP 400 response whose body is an OpenAI error, and
`response: null` with `error: {"code": "batch_expired", ...}`.  Output lines are shuffled with a
fixed seed: the Batch API does not keep input order.  Bodies are validated against the openai
package's own types (`CompletionCreateParamsNonStreaming`, `ChatCompletion`, `BatchError`);
the package has no type for a whole batch line.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import standin


def main(out: Path) -> None:
    from openai import OpenAI
    from openai.types import BatchError
    from openai.types.chat import ChatCompletion
    from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming
    from pydantic import TypeAdapter

    params = TypeAdapter(CompletionCreateParamsNonStreaming)
    server, url = standin.serve()
    client = OpenAI(base_url=url, api_key="test", max_retries=0)
    inputs, outputs = [], []
    for i, c in enumerate(standin.CALLS):
        cid = f"request-{i + 1:02d}"
        body = {
            "model": standin.MODEL,
            "messages": standin.messages_for(i),
            "temperature": 0.2,
            "max_tokens": 200,
            "user": c["user"],
        }
        params.validate_python(body)
        inputs.append({"custom_id": cid, "method": "POST", "url": "/v1/chat/completions", "body": body})
        line_id = "batch_req_" + hashlib.sha1(cid.encode()).hexdigest()[:24]
        if c["error"] == 429:  # the batch window closed before this request ran
            err = {
                "code": "batch_expired",
                "message": "This request could not be executed before the completion window expired.",
            }
            BatchError.model_validate(err)
            outputs.append({"id": line_id, "custom_id": cid, "response": None, "error": err})
            continue
        raw = client.chat.completions.with_raw_response.create(**body) if c["error"] is None else None
        if raw is None:  # an HTTP 400 from the API, recorded as a response
            r = client._client.post(f"{url}/chat/completions", json=body)  # the same transport, no raise
            status, rbody = r.status_code, r.json()
        else:
            status, rbody = raw.http_response.status_code, raw.http_response.json()
            ChatCompletion.model_validate(rbody)
        outputs.append(
            {
                "id": line_id,
                "custom_id": cid,
                "response": {
                    "status_code": status,
                    "request_id": f"req_{hashlib.sha1(line_id.encode()).hexdigest()[:16]}",
                    "body": rbody,
                },
                "error": None,
            }
        )
    server.shutdown()
    random.Random(13).shuffle(outputs)
    out.mkdir(parents=True, exist_ok=True)
    (out / "batch_input.jsonl").write_text("".join(json.dumps(x) + "\n" for x in inputs))
    (out / "batch_output.jsonl").write_text("".join(json.dumps(x) + "\n" for x in outputs))
    (out / "_expected.json").write_text(
        json.dumps(
            {
                "producer": "openai_batch",
                "versions": {"openai": version("openai")},
                "system": standin.SYSTEM,
                "calls": standin.expected(),
            },
            indent=1,
        )
        + "\n"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
