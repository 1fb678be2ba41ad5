"""transformers backend: batched, length-sorted, left-padded generation (CPU default, GPU capable)."""

from __future__ import annotations

import time
from typing import Any

import torch

from evalpipe.inference.backends.base import Backend
from evalpipe.inference.models import load_model_and_tokenizer, prepare_tokenizer
from evalpipe.inference.systems import SystemSpec
from evalpipe.inference.types import GenerationRequest, GenerationResult


class _ChosenTokenLogprob:
    """Logits processor that records log p(chosen token) one step late, keeping O(B x V) memory
    instead of every step's logits (what `output_scores` would hold)."""

    def __init__(self) -> None:
        self.prev: torch.Tensor | None = None
        self.steps: list[torch.Tensor] = []

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        if self.prev is not None:
            self.steps.append(self.prev.gather(1, input_ids[:, -1:]).squeeze(1))
        self.prev = torch.log_softmax(scores.float(), dim=-1)
        return scores

    def finish(self, last_tokens: torch.Tensor) -> torch.Tensor:
        if self.prev is not None:
            self.steps.append(self.prev.gather(1, last_tokens[:, None]).squeeze(1))
        return torch.stack(self.steps, dim=1) if self.steps else torch.empty(0)


def shared_prefix_len(seqs: list[list[int]], max_len: int) -> int:
    """Length of the longest common prefix of `seqs`, capped at `max_len`."""
    first = seqs[0]
    n = min(max_len, len(first))
    for s in seqs[1:]:
        k = 0
        lim = min(n, len(s))
        while k < lim and s[k] == first[k]:
            k += 1
        n = k
        if n == 0:
            break
    return max(0, n)


class TransformersBackend(Backend):
    name = "transformers"

    def __init__(
        self,
        system: SystemSpec,
        models_dir: str | None = None,
        model: Any | None = None,
        tokenizer: Any | None = None,
    ):
        super().__init__(system)
        opts = system.options
        if opts.get("num_threads"):
            torch.set_num_threads(int(opts["num_threads"]))
        self.device = str(opts.get("device", "cuda" if torch.cuda.is_available() else "cpu"))
        if model is None:
            model, tokenizer = load_model_and_tokenizer(
                system.model, models_dir, device=self.device, dtype=str(opts.get("dtype", "float32"))
            )
        if tokenizer is None:
            raise ValueError("a tokenizer is required when a model object is passed")
        self.model = self.hf_model = model.eval()
        self.device = str(next(model.parameters()).device)
        self.tokenizer = prepare_tokenizer(tokenizer)
        self.context_window = int(getattr(model.config, "max_position_embeddings", 0) or 0) or None
        self.batch_size = int(opts.get("batch_size", 32))
        self.max_batch_tokens = int(opts.get("max_batch_tokens", 65536))
        eos = model.generation_config.eos_token_id
        if eos is None:
            eos = self.tokenizer.eos_token_id
        self.eos_ids: list[int] = list(eos) if isinstance(eos, (list, tuple)) else [int(eos)]
        self.pad_id = int(
            self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.eos_ids[0]
        )
        # Shared-prefix reuse: the system prompt + chat header is identical across a batch, so its
        # KV cache is computed once (batch 1) and repeated, as vLLM's prefix caching does.
        self.prefix_sharing = bool(opts.get("prefix_sharing", True))
        self.min_shared_prefix = int(opts.get("min_shared_prefix", 8))
        self.n_calls = 0  # model.generate calls (tests and stats)
        self.shared_prefix_tokens = 0  # prompt tokens not recomputed thanks to prefix sharing

    def generate(self, requests: list[GenerationRequest]) -> list[GenerationResult]:
        results: list[GenerationResult | None] = [None] * len(requests)
        valid = []
        for i, r in enumerate(requests):
            if not r.prompt_token_ids:
                results[i] = GenerationResult.failed(r, "empty prompt: templating produced no tokens")
            else:
                valid.append(i)
        # Longest first: padding is minimal inside each batch, and an OOM shows up on the first batch.
        valid.sort(key=lambda i: len(requests[i].prompt_token_ids), reverse=True)
        start = 0
        while start < len(valid):
            longest = len(requests[valid[start]].prompt_token_ids) + self.system.decoding.max_new_tokens
            size = max(1, min(self.batch_size, self.max_batch_tokens // max(1, longest)))
            chunk = valid[start : start + size]
            # Never pad a short prompt to more than twice its length: one 2,048-token prompt must
            # not turn a batch of 300-token prompts into 2,048-token prefills.
            top = len(requests[chunk[0]].prompt_token_ids)
            chunk = [i for i in chunk if (n := len(requests[i].prompt_token_ids)) >= top // 2 or top - n < 256]
            size = len(chunk)
            for i, res in zip(chunk, self._generate_batch([requests[i] for i in chunk]), strict=True):
                results[i] = res
            start += size
        return [r for r in results if r is not None]

    @torch.inference_mode()
    def _generate_batch(self, reqs: list[GenerationRequest]) -> list[GenerationResult]:
        dec = self.system.decoding
        seqs = [r.prompt_token_ids for r in reqs]
        plen = shared_prefix_len(seqs, max_len=min(len(s) for s in seqs) - 1) if self.prefix_sharing else 0
        if plen < self.min_shared_prefix:
            plen = 0
        # Layout: [shared prefix | left padding | rest of the prompt]; positions come from the mask.
        rest_w = max(len(s) - plen for s in seqs)
        width = plen + rest_w
        input_ids = torch.full((len(reqs), width), self.pad_id, dtype=torch.long)
        attention = torch.zeros((len(reqs), width), dtype=torch.long)
        for b, s in enumerate(seqs):
            n = len(s) - plen
            input_ids[b, :plen] = torch.tensor(s[:plen], dtype=torch.long)
            attention[b, :plen] = 1
            input_ids[b, width - n :] = torch.tensor(s[plen:], dtype=torch.long)
            attention[b, width - n :] = 1
        recorder = _ChosenTokenLogprob()
        kwargs: dict[str, Any] = {
            "max_new_tokens": dec.max_new_tokens,
            "pad_token_id": self.pad_id,
            "eos_token_id": self.eos_ids,
            "return_dict_in_generate": True,
            "logits_processor": [recorder],
        }
        if dec.greedy:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        else:
            kwargs.update(do_sample=True, temperature=dec.temperature, top_p=dec.top_p, top_k=0)
            torch.manual_seed(dec.seed)
        t0 = time.perf_counter()
        if plen:
            prefix = self.model(input_ids[:1, :plen].to(self.device), use_cache=True, logits_to_keep=1)
            cache = prefix["cache"] if "cache" in prefix else prefix.past_key_values
            cache.batch_repeat_interleave(len(reqs))
            kwargs["cache"] = cache
            self.shared_prefix_tokens += plen * (len(reqs) - 1)
        self.n_calls += 1
        out = self.model.generate(
            input_ids=input_ids.to(self.device), attention_mask=attention.to(self.device), **kwargs
        )
        latency_ms = (time.perf_counter() - t0) * 1000
        new = out.sequences[:, width:].cpu()
        lps = recorder.finish(out.sequences[:, -1]).cpu() if new.shape[1] else torch.empty(0)
        results = []
        eos = set(self.eos_ids)
        for b, r in enumerate(reqs):
            row = new[b].tolist()
            cut = next((k + 1 for k, t in enumerate(row) if t in eos), None)
            ids = row[:cut] if cut is not None else row
            finish = "stop" if cut is not None else "length"
            mean_lp = float(lps[b, : len(ids)].mean()) if len(ids) and lps.numel() else None
            results.append(
                GenerationResult(
                    example_id=r.example_id,
                    content_hash=r.content_hash,
                    text=self.tokenizer.decode(ids, skip_special_tokens=True),
                    prompt_token_ids=list(r.prompt_token_ids),
                    completion_token_ids=ids,
                    finish_reason=finish,
                    latency_ms=latency_ms,
                    input_tokens=len(r.prompt_token_ids),
                    output_tokens=len(ids),
                    truncated_prompt=r.truncated_prompt,
                    mean_logprob=mean_lp,
                )
            )
        return results
