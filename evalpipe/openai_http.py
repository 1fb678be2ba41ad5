"""One OpenAI-compatible HTTP client: the retry policy, the status list and the error texts.

Used by the inference backend (`evalpipe.inference.backends.openai_backend`, async, many requests
in flight) and the judge (`evalpipe.metrics.judge.OpenAICompatJudgeClient`, threads), so both
retry the same statuses with the same backoff and report failures the same way.  httpx directly
(not the `openai` SDK) keeps timeouts, retries and malformed bodies in one visible place.

Policy: 408/409/425/429 and 5xx listed in `RETRY_STATUS`, timeouts, connection errors and a 2xx
body the caller cannot read are retried with exponential backoff and full jitter (a numeric
`Retry-After` wins, capped); any other 4xx fails at once.  After the last attempt the call
returns an error text, never raises: one bad request must not sink a batch.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import httpx

RETRY_STATUS: frozenset[int] = frozenset({408, 409, 425, 429, 500, 502, 503, 504})

T = TypeVar("T")


class MalformedResponse(Exception):
    """Raised by a caller's `parse` for a 2xx body it cannot read (retried: proxies, truncated streams)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts, and how long to wait between them."""

    max_attempts: int = 5
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait after failed attempt `attempt` (1-based)."""
        if retry_after:
            try:
                return min(self.backoff_max_s, max(0.0, float(retry_after)))
            except ValueError:
                pass  # an HTTP date: fall back to our own backoff
        return random.uniform(0, min(self.backoff_max_s, self.backoff_base_s * 2 ** (attempt - 1)))


@dataclass
class Outcome(Generic[T]):
    """The parsed value, or the error text of the last attempt; attempts made either way."""

    value: T | None
    error: str | None
    attempts: int

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class _Step:
    """What one attempt gave: a result (done), or a retryable error with an optional Retry-After."""

    done: bool
    value: object = None
    error: str | None = None
    retry_after: str | None = None


def _judge(resp: httpx.Response, parse: Callable[[httpx.Response], T]) -> _Step:
    if resp.status_code in RETRY_STATUS:
        return _Step(
            False,
            error=f"HTTP {resp.status_code}: {resp.text[:200]}",
            retry_after=resp.headers.get("retry-after"),
        )
    if resp.status_code >= 400:
        return _Step(True, error=f"HTTP {resp.status_code}: {resp.text[:200]}")
    try:
        return _Step(True, value=parse(resp))
    except MalformedResponse as e:
        return _Step(False, error=f"malformed response body ({e}): {resp.text[:200]!r}")


def _transport_error(e: Exception, timeout_s: float | None) -> str:
    if isinstance(e, httpx.TimeoutException):
        return f"timeout after {timeout_s}s ({type(e).__name__})"
    return f"connection error: {type(e).__name__}: {e}"


def _failed(policy: RetryPolicy, last: str) -> str:
    return f"failed after {policy.max_attempts} attempts: {last}"


def post_with_retries(
    client: httpx.Client,
    path: str,
    body: dict,
    parse: Callable[[httpx.Response], T],
    policy: RetryPolicy,
    *,
    on_attempt: Callable[[int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome[T]:
    """POST `body` to `path` under `policy` (blocking)."""
    last = "no attempt made"
    for attempt in range(1, policy.max_attempts + 1):
        if on_attempt:
            on_attempt(attempt)
        try:
            step = _judge(client.post(path, json=body), parse)
        except httpx.TransportError as e:  # timeouts are transport errors too
            step = _Step(False, error=_transport_error(e, client.timeout.read))
        if step.done:
            return Outcome(step.value, step.error, attempt)  # type: ignore[arg-type]
        last = step.error or last
        if attempt < policy.max_attempts:
            sleep(policy.delay(attempt, step.retry_after))
    return Outcome(None, _failed(policy, last), policy.max_attempts)


async def apost_with_retries(
    client: httpx.AsyncClient,
    path: str,
    body: dict,
    parse: Callable[[httpx.Response], T],
    policy: RetryPolicy,
    *,
    on_attempt: Callable[[int], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Outcome[T]:
    """POST `body` to `path` under `policy` (async; the same policy and texts as the blocking one)."""
    last = "no attempt made"
    for attempt in range(1, policy.max_attempts + 1):
        if on_attempt:
            on_attempt(attempt)
        try:
            step = _judge(await client.post(path, json=body), parse)
        except httpx.TransportError as e:
            step = _Step(False, error=_transport_error(e, client.timeout.read))
        if step.done:
            return Outcome(step.value, step.error, attempt)  # type: ignore[arg-type]
        last = step.error or last
        if attempt < policy.max_attempts:
            await sleep(policy.delay(attempt, step.retry_after))
    return Outcome(None, _failed(policy, last), policy.max_attempts)


def auth_headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}
