"""The one OpenAI-compatible client policy, shared by the inference backend and the judge."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from evalpipe.openai_http import (
    RETRY_STATUS,
    MalformedResponse,
    RetryPolicy,
    apost_with_retries,
    post_with_retries,
)

OK = {"choices": [{"message": {"content": "fine"}}]}


def _transport(statuses: list[int], seen: list[int], headers: dict | None = None) -> httpx.MockTransport:
    """Answers with the given statuses in turn (the last one repeats); 200 carries OK."""

    def handler(request: httpx.Request) -> httpx.Response:
        status = statuses[min(len(seen), len(statuses) - 1)]
        seen.append(status)
        if status == 200:
            return httpx.Response(200, json=OK)
        return httpx.Response(status, text=f"status {status}", headers=headers or {})

    return httpx.MockTransport(handler)


def _parse(resp: httpx.Response) -> str:
    try:
        return resp.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError) as e:
        raise MalformedResponse(type(e).__name__) from e


POLICY = RetryPolicy(max_attempts=4, backoff_base_s=0.01, backoff_max_s=0.01)


def _sync(statuses, headers=None, policy=POLICY):
    seen, sleeps = [], []
    client = httpx.Client(base_url="http://judge", transport=_transport(statuses, seen, headers))
    out = post_with_retries(client, "/chat/completions", {}, _parse, policy, sleep=sleeps.append)
    return out, seen, sleeps


def _async(statuses, policy=POLICY):
    seen, sleeps = [], []

    async def fake_sleep(s: float) -> None:
        sleeps.append(s)

    async def go():
        async with httpx.AsyncClient(base_url="http://llm", transport=_transport(statuses, seen)) as c:
            return await apost_with_retries(c, "/chat/completions", {}, _parse, policy, sleep=fake_sleep)

    return asyncio.run(go()), seen, sleeps


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
@pytest.mark.parametrize("run", [_sync, _async], ids=["sync", "async"])
def test_retryable_statuses_are_retried_then_succeed(run, status):
    out, seen, sleeps = run([status, status, 200])
    assert out.ok and out.value == "fine" and out.attempts == 3
    assert seen == [status, status, 200] and len(sleeps) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
@pytest.mark.parametrize("run", [_sync, _async], ids=["sync", "async"])
def test_other_client_errors_are_not_retried(run, status):
    assert status not in RETRY_STATUS
    out, seen, sleeps = run([status, 200])
    assert not out.ok and out.attempts == 1 and seen == [status] and sleeps == []
    assert out.error == f"HTTP {status}: status {status}"


@pytest.mark.parametrize("run", [_sync, _async], ids=["sync", "async"])
def test_persistent_failure_reports_the_last_error_after_all_attempts(run):
    out, seen, sleeps = run([503])
    assert not out.ok and out.attempts == 4 and len(seen) == 4 and len(sleeps) == 3
    assert out.error.startswith("failed after 4 attempts: HTTP 503")


def test_malformed_body_is_retried():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(200, text="{not json") if len(calls) == 1 else httpx.Response(200, json=OK)

    client = httpx.Client(base_url="http://x", transport=httpx.MockTransport(handler))
    out = post_with_retries(client, "/c", {}, _parse, POLICY, sleep=lambda s: None)
    assert out.ok and out.attempts == 2


def test_numeric_retry_after_wins_and_is_capped():
    policy = RetryPolicy(max_attempts=2, backoff_base_s=0.01, backoff_max_s=5.0)
    _, _, sleeps = _sync([429, 200], headers={"retry-after": "3"}, policy=policy)
    assert sleeps == [3.0]
    _, _, sleeps = _sync([429, 200], headers={"retry-after": "120"}, policy=policy)
    assert sleeps == [5.0]
    assert 0 <= policy.delay(3) <= 0.04  # full jitter under base * 2^(attempt-1)


def test_backend_and_judge_share_the_policy():
    from evalpipe.inference.backends import openai_backend
    from evalpipe.metrics.judge import OpenAICompatJudgeClient

    assert openai_backend.RETRY_STATUS is RETRY_STATUS
    judge = OpenAICompatJudgeClient("http://x/v1", "m", api_key_env=None, max_retries=2)
    assert judge.policy.max_attempts == 3
    judge.close()
