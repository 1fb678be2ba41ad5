"""vLLM backend (GPU, optional extra `evalpipe[gpu]`). vllm is imported inside the class so this
module imports fine without it. One `LLM.generate` call over all prompts as token ids: vLLM's own
scheduler does continuous batching, prefix caching and ordering better than we could."""

from __future__ import annotations

import time
from typing import Any

from evalpipe.inference.backends.base import Backend, BackendUnavailableError
from evalpipe.inference.models import prepare_tokenizer, resolve_model_dir
from evalpipe.inference.systems import SystemSpec
from evalpipe.inference.types import GenerationRequest, GenerationResult


class VLLMBackend(Backend):
    name = "vllm"

    def __init__(self, system: SystemSpec, models_dir: str | None = None, llm: Any | None = None):
        super().__init__(system)
        try:
            import vllm  # noqa: F401
        except ImportError as e:
            raise BackendUnavailableError(
                "backend 'vllm' needs the optional extra: pip install 'evalpipe[gpu]' (CUDA GPU required)"
            ) from e
        from transformers import AutoConfig, AutoTokenizer

        o = system.options
        # vLLM dropped in-tree GGUF: load the cached safetensors conversion instead.
        path = resolve_model_dir(system.model, models_dir)
        self.tokenizer = prepare_tokenizer(AutoTokenizer.from_pretrained(path))
        cfg = AutoConfig.from_pretrained(path)
        self.context_window = int(o.get("max_model_len") or cfg.max_position_embeddings)
        if llm is None:
            from vllm import LLM

            kwargs: dict[str, Any] = {
                "model": str(path),
                "tokenizer": str(path),
                "seed": system.decoding.seed,
                "dtype": str(o.get("dtype", "auto")),
                "tensor_parallel_size": int(o.get("tensor_parallel_size", 1)),
                "gpu_memory_utilization": float(o.get("gpu_memory_utilization", 0.85)),
                "max_num_seqs": int(o.get("max_num_seqs", 256)),
                "max_model_len": self.context_window,
                "enable_prefix_caching": True,
            }
            if int(o.get("data_parallel_size", 1)) > 1:
                kwargs["data_parallel_size"] = int(o["data_parallel_size"])
            llm = LLM(**kwargs)
        self.llm = llm

    @property
    def preferred_batch_size(self) -> int:
        # Big hand-overs: vLLM schedules internally; the batch only sets the checkpoint granularity.
        return int(self.system.options.get("batch_size", 1024))

    def generate(self, requests: list[GenerationRequest]) -> list[GenerationResult]:
        from vllm import SamplingParams

        d = self.system.decoding
        params = SamplingParams(
            temperature=d.temperature,
            top_p=d.top_p,
            max_tokens=d.max_new_tokens,
            seed=d.seed,
            logprobs=1,
        )
        results: list[GenerationResult | None] = [None] * len(requests)
        valid = [i for i, r in enumerate(requests) if r.prompt_token_ids]
        for i, r in enumerate(requests):
            if not r.prompt_token_ids:
                results[i] = GenerationResult.failed(r, "empty prompt: templating produced no tokens")
        t0 = time.perf_counter()
        outs = (
            self.llm.generate(
                [{"prompt_token_ids": list(requests[i].prompt_token_ids)} for i in valid],
                params,
                use_tqdm=False,
            )
            if valid
            else []
        )
        latency_ms = (time.perf_counter() - t0) * 1000
        for i, o in zip(valid, outs, strict=True):
            r, c = requests[i], o.outputs[0]
            ids = list(c.token_ids)
            lp = None
            if c.logprobs:
                vals = [step[t].logprob for step, t in zip(c.logprobs, ids, strict=False) if t in step]
                lp = sum(vals) / len(vals) if vals else None
            results[i] = GenerationResult(
                example_id=r.example_id,
                content_hash=r.content_hash,
                text=c.text,
                prompt_token_ids=list(r.prompt_token_ids),
                completion_token_ids=ids,
                finish_reason="length" if c.finish_reason == "length" else "stop",
                latency_ms=latency_ms,
                input_tokens=len(r.prompt_token_ids),
                output_tokens=len(ids),
                truncated_prompt=r.truncated_prompt,
                mean_logprob=lp,
            )
        return [r for r in results if r is not None]

    def close(self) -> None:
        """Free the engine's GPU memory (best effort: vLLM holds it until the object is collected)."""
        import gc

        self.llm = None
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:
            pass
