"""LiteLLM `StandardLoggingPayload` fixture: the real `litellm.completion` (which calls the
stand-in through the `openai` client) with a `CustomLogger` that writes
`kwargs["standard_logging_object"]` one JSON object per line, as LiteLLM's JSON logging and
custom-logger integrations ship it.

    LITELLM_LOCAL_MODEL_COST_MAP=True python gen_litellm.py OUT_DIR [--no-content]

`request_tags` come from `metadata={"tags": [...]}`, `end_user` from `user=`.  The cost is
LiteLLM's own (its bundled model cost map; the stand-in returns a real model name).
"""

from __future__ import annotations

import json
import os
import sys
import time
from importlib.metadata import version
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).parent))
import standin


def main(out: Path) -> None:
    import litellm
    from litellm.integrations.custom_logger import CustomLogger

    payloads: list[dict] = []

    class Capture(CustomLogger):
        def log_success_event(self, kwargs, response_obj, start_time, end_time):
            payloads.append(kwargs["standard_logging_object"])

        def log_failure_event(self, kwargs, response_obj, start_time, end_time):
            payloads.append(kwargs["standard_logging_object"])

    litellm.callbacks = [Capture()]
    # Content capture off, as a team would run it: `python gen_litellm.py OUT --no-content`
    litellm.turn_off_message_logging = "--no-content" in sys.argv
    server, url = standin.serve()
    for i, c in enumerate(standin.CALLS):
        kw = dict(
            model=f"openai/{standin.MODEL}",
            api_base=url,
            api_key="test",
            messages=standin.messages_for(i),
            temperature=0.2,
            max_tokens=200,
            user=c["user"],
            metadata={"tags": ["support", c["session"]]},
            num_retries=0,
        )
        n = len(payloads)
        try:
            if c["stream"]:
                for _ in litellm.completion(stream=True, stream_options={"include_usage": True}, **kw):
                    pass
            else:
                litellm.completion(**kw)
        except Exception as e:
            assert c["error"], f"call {i} failed unexpectedly: {e!r}"
        deadline = time.time() + 10  # success callbacks of streams run on a worker thread
        while len(payloads) == n and time.time() < deadline:
            time.sleep(0.05)
        assert len(payloads) == n + 1, f"call {i}: no standard logging payload"
    server.shutdown()
    out.mkdir(parents=True, exist_ok=True)
    with (out / "litellm_payloads.jsonl").open("w") as fh:
        for p in payloads:
            fh.write(json.dumps(p, default=str) + "\n")
    versions = {p: version(p) for p in ("litellm", "openai")}
    (out / "_expected.json").write_text(
        json.dumps(
            {
                "producer": "litellm",
                "versions": versions,
                "system": standin.SYSTEM,
                "calls": standin.expected(),
            },
            indent=1,
        )
        + "\n"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
