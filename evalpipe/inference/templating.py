"""Prompt templating: the system's template (system prompt), then the tokenizer's chat template,
then tokenization and left-truncation to the context window. Done once, outside the backends, so
every backend sees the same prompt."""

from __future__ import annotations

from typing import Any

from evalpipe.inference.systems import SystemSpec
from evalpipe.inference.types import GenerationRequest


def normalize_messages(messages: Any) -> list[dict[str, str]]:
    """Accept [{role, content}] or the canonical-log form [{role, parts:[{type:text, content}]}]."""
    if messages is None:
        return []
    if isinstance(messages, str):
        import json

        messages = (
            json.loads(messages)
            if messages.strip().startswith("[")
            else [{"role": "user", "content": messages}]
        )
    out = []
    for m in list(messages):
        m = dict(m)
        content = m.get("content")
        if content is None and "parts" in m:
            content = "".join(
                str(p.get("content", "")) for p in (m.get("parts") or []) if p.get("type") == "text"
            )
        out.append({"role": str(m.get("role", "user")), "content": "" if content is None else str(content)})
    return out


class Templater:
    """Builds `GenerationRequest`s for one system. `tokenizer` may be None (text-only endpoint)."""

    def __init__(self, system: SystemSpec, tokenizer: Any | None, context_window: int | None = None):
        self.system = system
        self.tokenizer = tokenizer
        limit = system.max_prompt_tokens
        if limit is None and context_window is not None:
            limit = context_window - system.decoding.max_new_tokens
        if limit is not None and limit < 1:
            raise ValueError(
                f"system {system.name!r}: no room for a prompt (context window {context_window}, "
                f"max_new_tokens {system.decoding.max_new_tokens})"
            )
        self.max_prompt_tokens = limit

    def render(self, messages: list[dict[str, str]]) -> str:
        tok = self.tokenizer
        if tok is not None and getattr(tok, "chat_template", None):
            return tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        # No chat template: a plain, documented fallback.
        return "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant: "

    def build(self, example: dict[str, Any]) -> GenerationRequest:
        messages = self.system.template.apply(normalize_messages(example.get("messages")))
        text = self.render(messages)
        ids: list[int] = []
        truncated = False
        if self.tokenizer is not None:
            ids = list(self.tokenizer(text, add_special_tokens=False)["input_ids"])
            if self.max_prompt_tokens is not None and len(ids) > self.max_prompt_tokens:
                # Keep the end: the generation prompt and the latest turn matter most.
                ids = ids[-self.max_prompt_tokens :]
                truncated = True
        return GenerationRequest(
            example_id=str(example["example_id"]),
            content_hash=str(example["content_hash"]),
            messages=messages,
            prompt_text=text,
            prompt_token_ids=ids,
            truncated_prompt=truncated,
        )
