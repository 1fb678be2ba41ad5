"""OpenAI-compatible HTTP backend (OpenAI, gateways, `vllm serve`): async, bounded concurrency,
retries with exponential backoff + full jitter, usage/cost accounting.

Uses httpx directly (not the `openai` SDK) so retry policy, timeouts and malformed bodies are
handled in one visible place. A request that still fails after `max_attempts` comes back with
finish_reason="error" and the last error text: never dropped, never raised mid-batch.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import threading
import time
from typing import Any

import httpx

from evalpipe.inference.backends.base import Backend
from evalpipe.inference.systems import SystemConfigError, SystemSpec
from evalpipe.inference.types import GenerationRequest, GenerationResult

RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


class _Retryable(Exception):
    pass


class _Fatal(Exception):
    pass


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
        self.max_attempts = int(o.get("max_attempts", 5))
        self.backoff_base_s = float(o.get("backoff_base_s", 0.5))
        self.backoff_max_s = float(o.get("backoff_max_s", 30.0))
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
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
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

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(self.backoff_max_s, max(0.0, float(retry_after)))
            except ValueError:
                pass
        return random.uniform(0, min(self.backoff_max_s, self.backoff_base_s * 2 ** (attempt - 1)))

    async def _with_retries(self, client: httpx.AsyncClient, req: GenerationRequest) -> GenerationResult:
        path, body = self._payload(req)
        t0 = time.perf_counter()
        last = "no attempt made"
        for attempt in range(1, self.max_attempts + 1):
            retry_after = None
            try:
                self.n_http_calls += 1
                resp = await client.post(path, json=body)
                if resp.status_code in RETRY_STATUS:
                    retry_after = resp.headers.get("retry-after")
                    raise _Retryable(f"HTTP {resp.status_code}: {resp.text[:200]}")
                if resp.status_code >= 400:
                    raise _Fatal(f"HTTP {resp.status_code}: {resp.text[:200]}")
                return self._parse(req, resp, (time.perf_counter() - t0) * 1000, attempt)
            except _Fatal as e:
                return GenerationResult.failed(req, str(e), (time.perf_counter() - t0) * 1000, attempt)
            except _Retryable as e:
                last = str(e)
            except httpx.TimeoutException as e:
                last = f"timeout after {self.timeout_s}s ({type(e).__name__})"
            except httpx.TransportError as e:
                last = f"connection error: {type(e).__name__}: {e}"
            if attempt < self.max_attempts:
                await asyncio.sleep(self._delay(attempt, retry_after))
        return GenerationResult.failed(
            req,
            f"failed after {self.max_attempts} attempts: {last}",
            (time.perf_counter() - t0) * 1000,
            self.max_attempts,
        )

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
            raise _Retryable(f"malformed response body ({type(e).__name__}: {e}): {resp.text[:200]!r}") from e
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
