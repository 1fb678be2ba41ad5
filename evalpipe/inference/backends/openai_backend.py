"""OpenAI-compatible HTTP backend (OpenAI, gateways, `vllm serve`): async, bounded concurrency,
usage/cost accounting.

Retries, backoff and the retried statuses are the project's one OpenAI-compatible client policy
(`evalpipe.openai_http`, shared with the judge). A request that still fails after `max_attempts`
comes back with finish_reason="error" and the last error text: never dropped, never raised mid-batch.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from typing import Any

import httpx

from evalpipe.inference.backends.base import Backend
from evalpipe.inference.systems import SystemConfigError, SystemSpec
from evalpipe.inference.types import GenerationRequest, GenerationResult
from evalpipe.openai_http import (
    RETRY_STATUS,
    MalformedResponse,
    RetryPolicy,
    apost_with_retries,
    auth_headers,
)

__all__ = ["RETRY_STATUS", "OpenAIBackend"]


class OpenAIBackend(Backend):
    name = "openai"

    def __init__(self, system: SystemSpec, models_dir: str | None = None, transport: Any | None = None):
        super().__init__(system)
        o = system.options
        if not o.get("base_url"):
            raise SystemConfigError(f"system {system.name!r}: openai backend needs options.base_url")
        self.base_url = str(o["base_url"]).rstrip("/")
        self.api = str(o.get("api", "chat"))
        if self.api not in ("chat", "completions"):
            raise SystemConfigError(f"system {system.name!r}: options.api must be 'chat' or 'completions'")
        self.concurrency = int(o.get("concurrency", 8))
        self.policy = RetryPolicy(
            max_attempts=int(o.get("max_attempts", RetryPolicy.max_attempts)),
            backoff_base_s=float(o.get("backoff_base_s", RetryPolicy.backoff_base_s)),
            backoff_max_s=float(o.get("backoff_max_s", RetryPolicy.backoff_max_s)),
        )
        self.max_attempts = self.policy.max_attempts
        self.timeout_s = float(o.get("timeout_s", 60.0))
        self.price_in = float(o.get("price_per_1k_input", 0.0))
        self.price_out = float(o.get("price_per_1k_output", 0.0))
        self.api_key: str | None = None
        env = o.get("api_key_env")
        if env:
            self.api_key = os.environ.get(str(env))
            if not self.api_key:
                raise SystemConfigError(
                    f"system {system.name!r}: environment variable {env!r} (api_key_env) is not set"
                )
        self._transport = transport
        self.tokenizer = None
        self.context_window = o.get("context_window")
        if o.get("tokenizer_model"):  # lets the Templater produce token ids (completions api, hidden states)
            from transformers import AutoTokenizer

            from evalpipe.inference.models import prepare_tokenizer, resolve_model_dir

            self.tokenizer = prepare_tokenizer(
                AutoTokenizer.from_pretrained(resolve_model_dir(str(o["tokenizer_model"]), models_dir))
            )
        if self.api == "completions" and self.tokenizer is None:
            raise SystemConfigError(
                f"system {system.name!r}: api=completions sends token ids; set options.tokenizer_model"
            )
        self.n_http_calls = 0

    @property
    def preferred_batch_size(self) -> int:
        return int(self.system.options.get("batch_size", max(32, 4 * self.concurrency)))

    # -- public -------------------------------------------------------------------------------
    def generate(self, requests: list[GenerationRequest]) -> list[GenerationResult]:
        coro = self.agenerate(requests)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(coro)
        box: dict[str, Any] = {}  # already inside an event loop (notebook, async caller): use a thread
        t = threading.Thread(target=lambda: box.setdefault("r", asyncio.run(coro)))
        t.start()
        t.join()
        return box["r"]

    async def agenerate(self, requests: list[GenerationRequest]) -> list[GenerationResult]:
        sem = asyncio.Semaphore(self.concurrency)
        headers = auth_headers(self.api_key)
        async with httpx.AsyncClient(
            base_url=self.base_url, headers=headers, timeout=self.timeout_s, transport=self._transport
        ) as client:

            async def one(req: GenerationRequest) -> GenerationResult:
                async with sem:
                    return await self._with_retries(client, req)

            return list(await asyncio.gather(*(one(r) for r in requests)))

    # -- internals ----------------------------------------------------------------------------
    def _payload(self, req: GenerationRequest) -> tuple[str, dict[str, Any]]:
        d = self.system.decoding
        body: dict[str, Any] = {
            "model": self.system.model,
            "max_tokens": d.max_new_tokens,
            "temperature": d.temperature,
            "top_p": d.top_p,
            "seed": d.seed,
        }
        if self.api == "chat":
            body["messages"] = req.messages
            return "/chat/completions", body
        body["prompt"] = req.prompt_token_ids  # vllm serve accepts token ids: no re-templating drift
        return "/completions", body

    async def _with_retries(self, client: httpx.AsyncClient, req: GenerationRequest) -> GenerationResult:
        path, body = self._payload(req)
        t0 = time.perf_counter()
        current = [0]

        def attempt_started(attempt: int) -> None:
            current[0] = attempt
            self.n_http_calls += 1

        def parse(resp: httpx.Response) -> GenerationResult:
            return self._parse(req, resp, (time.perf_counter() - t0) * 1000, current[0])

        out = await apost_with_retries(client, path, body, parse, self.policy, on_attempt=attempt_started)
        if out.value is not None:
            return out.value
        return GenerationResult.failed(req, str(out.error), (time.perf_counter() - t0) * 1000, out.attempts)

    def _parse(
        self, req: GenerationRequest, resp: httpx.Response, latency_ms: float, attempt: int
    ) -> GenerationResult:
        try:
            data = resp.json()
            choice = data["choices"][0]
            text = choice["message"]["content"] if self.api == "chat" else choice["text"]
            if text is None:
                text = ""
            if not isinstance(text, str):
                raise TypeError(f"content is {type(text).__name__}")
        except (json.JSONDecodeError, KeyError, IndexError, TypeError, ValueError) as e:
            # A 200 with a body we cannot read is treated as transient (proxies, truncated streams).
            raise MalformedResponse(f"{type(e).__name__}: {e}") from e
        usage = data.get("usage") or {}
        n_in = int(usage.get("prompt_tokens") or len(req.prompt_token_ids))
        n_out = int(usage.get("completion_tokens") or 0)
        finish = choice.get("finish_reason") or "stop"
        completion_ids: list[int] = []
        if self.tokenizer is not None and text:
            completion_ids = list(self.tokenizer(text, add_special_tokens=False)["input_ids"])
            if finish == "stop" and self.tokenizer.eos_token_id is not None:
                completion_ids.append(int(self.tokenizer.eos_token_id))
        mean_lp = None
        lp = choice.get("logprobs")
        if isinstance(lp, dict):
            vals = [c.get("logprob") for c in (lp.get("content") or [])] or lp.get("token_logprobs") or []
            vals = [v for v in vals if isinstance(v, (int, float))]
            mean_lp = sum(vals) / len(vals) if vals else None
        return GenerationResult(
            example_id=req.example_id,
            content_hash=req.content_hash,
            text=text,
            prompt_token_ids=list(req.prompt_token_ids),
            completion_token_ids=completion_ids,
            finish_reason="length" if finish == "length" else "stop",
            latency_ms=latency_ms,
            input_tokens=n_in,
            output_tokens=n_out or len(completion_ids),
            cost_usd=n_in / 1000 * self.price_in + n_out / 1000 * self.price_out,
            truncated_prompt=req.truncated_prompt,
            mean_logprob=mean_lp,
            attempts=attempt,
        )
