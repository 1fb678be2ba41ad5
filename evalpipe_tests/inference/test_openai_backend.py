"""OpenAI backend against a stdlib HTTP server on 127.0.0.1 that misbehaves on purpose."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from evalpipe.inference.backends.openai_backend import OpenAIBackend
from evalpipe.inference.runner import run_inference
from evalpipe.inference.systems import SystemConfigError, parse_system
from evalpipe.inference.types import GenerationRequest


class FakeServer:
    """Behaviour is chosen by the last user message: 'ok', 'flaky-429', 'flaky-500', 'always-500',
    'slow', 'malformed', 'malformed-once', 'bad-request'."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.active = 0
        self.max_active = 0
        self.auth: set[str] = set()
        self.lock = threading.Lock()
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):  # quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = body["messages"][-1]["content"]
                # A timed-out "slow" request is abandoned by the client but still sleeps here: not counted.
                counted = key != "slow"
                with outer.lock:
                    outer.calls[key] = outer.calls.get(key, 0) + 1
                    n = outer.calls[key]
                    outer.active += counted
                    outer.max_active = max(outer.max_active, outer.active)
                    outer.auth.add(self.headers.get("Authorization", ""))
                try:
                    time.sleep(0.05)
                    outer.respond(self, key, n, body)
                finally:
                    with outer.lock:
                        outer.active -= counted

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def respond(self, h, key, n, body):
        def send(code, payload, headers=None):
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            try:
                h.send_response(code)
            except (BrokenPipeError, ConnectionResetError):
                return
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            try:
                h.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # client gave up (timeout test)
                pass

        ok = {
            "choices": [
                {"message": {"role": "assistant", "content": f"answer to {key}"}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20},
        }
        if key.startswith("ok") or (key == "flaky-429" and n > 2) or (key == "flaky-500" and n > 1):
            send(200, ok)
        elif key == "flaky-429":
            send(429, {"error": "rate limited"}, {"Retry-After": "0"})
        elif key in ("flaky-500", "always-500"):
            send(500, {"error": "internal"})
        elif key == "slow":
            time.sleep(1.0)
            send(200, ok)
        elif key == "malformed" or (key == "malformed-once" and n == 1):
            send(200, b"<html>gateway hiccup</html>")
        elif key == "malformed-once":
            send(200, ok)
        elif key == "bad-request":
            send(400, {"error": "bad model"})

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = FakeServer()
    yield s
    s.close()


def _system(url, **opts):
    options = {
        "base_url": url,
        "max_attempts": 3,
        "backoff_base_s": 0.01,
        "timeout_s": 0.4,
        "concurrency": 2,
        "price_per_1k_input": 1.0,
        "price_per_1k_output": 2.0,
        **opts,
    }
    return parse_system(
        "ep",
        {
            "backend": "openai",
            "model": "gpt-test",
            "template": {"version": "1", "system_prompt": "Be brief."},
            "decoding": {"max_new_tokens": 16},
            "options": options,
        },
    )


def _req(key):
    return GenerationRequest(example_id=key, content_hash=key, messages=[{"role": "user", "content": key}])


def test_retries_then_success_or_clear_error(server):
    b = OpenAIBackend(_system(server.url))
    keys = [
        "ok-1",
        "flaky-429",
        "flaky-500",
        "always-500",
        "slow",
        "malformed",
        "malformed-once",
        "bad-request",
    ]
    res = {r.example_id: r for r in b.generate([_req(k) for k in keys])}
    assert len(res) == len(keys)  # nothing dropped
    for k in ("ok-1", "flaky-429", "flaky-500", "malformed-once"):
        assert res[k].finish_reason == "stop" and res[k].text == f"answer to {k}" and res[k].error is None
    assert res["flaky-429"].attempts == 3 and res["flaky-500"].attempts == 2 and res["ok-1"].attempts == 1
    assert res["ok-1"].input_tokens == 100 and res["ok-1"].output_tokens == 20
    assert res["ok-1"].cost_usd == pytest.approx(100 / 1000 * 1.0 + 20 / 1000 * 2.0)
    for k, msg in [("always-500", "HTTP 500"), ("slow", "timeout"), ("malformed", "malformed response body")]:
        r = res[k]
        assert r.finish_reason == "error" and r.attempts == 3 and r.cost_usd == 0
        assert r.error.startswith("failed after 3 attempts") and msg in r.error
    assert server.calls["always-500"] == 3 and server.calls["malformed"] == 3
    # a non-retryable 4xx fails at once
    assert res["bad-request"].finish_reason == "error" and "HTTP 400" in res["bad-request"].error
    assert server.calls["bad-request"] == 1
    assert server.max_active <= 2  # concurrency limit honoured


def test_concurrency_is_used(server):
    b = OpenAIBackend(_system(server.url, concurrency=4))
    t0 = time.perf_counter()
    res = b.generate([_req(f"ok-{i}") for i in range(8)])
    assert all(r.finish_reason == "stop" for r in res) and [r.example_id for r in res] == [
        f"ok-{i}" for i in range(8)
    ]
    assert server.max_active > 1 and time.perf_counter() - t0 < 8 * 0.05 + 0.3


def test_api_key_from_named_env_var(server, monkeypatch):
    with pytest.raises(SystemConfigError, match="EVALPIPE_TEST_KEY"):
        OpenAIBackend(_system(server.url, api_key_env="EVALPIPE_TEST_KEY"))
    monkeypatch.setenv("EVALPIPE_TEST_KEY", "sk-test-123")
    b = OpenAIBackend(_system(server.url, api_key_env="EVALPIPE_TEST_KEY"))
    assert b.generate([_req("ok")])[0].finish_reason == "stop"
    assert server.auth == {"Bearer sk-test-123"}


def test_connection_refused_is_recorded():
    b = OpenAIBackend(_system("http://127.0.0.1:9/v1", max_attempts=2))
    r = b.generate([_req("ok")])[0]
    assert r.finish_reason == "error" and "connection error" in r.error and r.attempts == 2


def test_through_run_inference_with_cache(server, tmp_path):
    system = _system(server.url)
    exs = [
        {"example_id": "a", "content_hash": "ha", "messages": [{"role": "user", "content": "ok-a"}]},
        {"example_id": "b", "content_hash": "hb", "messages": [{"role": "user", "content": "always-500"}]},
    ]
    df, stats = run_inference(system, exs, tmp_path, progress=False)
    assert stats["failures"] == 1 and df.set_index("example_id").loc["a", "text"] == "answer to ok-a"
    df2, stats2 = run_inference(system, exs, tmp_path, progress=False)
    assert stats2["cache_hits"] == 1 and server.calls["ok-a"] == 1  # success cached, failure retried
    assert server.calls["always-500"] == 6
