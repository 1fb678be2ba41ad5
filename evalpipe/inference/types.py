"""Request/result records shared by every backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FinishReason = Literal["stop", "length", "error"]


@dataclass
class GenerationRequest:
    """One pre-templated prompt. Token-id backends use `prompt_token_ids`; chat endpoints use
    `messages` (already carrying the system's template); `prompt_text` is the chat-templated string.
    """

    example_id: str
    content_hash: str
    messages: list[dict[str, str]]
    prompt_text: str = ""
    prompt_token_ids: list[int] = field(default_factory=list)
    truncated_prompt: bool = False


@dataclass
class GenerationResult:
    example_id: str
    content_hash: str
    text: str = ""
    prompt_token_ids: list[int] = field(default_factory=list)
    completion_token_ids: list[int] = field(default_factory=list)
    finish_reason: FinishReason = "stop"
    latency_ms: float = 0.0  # wall time of the call/batch that produced this result
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    error: str | None = None
    truncated_prompt: bool = False
    mean_logprob: float | None = None  # mean log p(completion token), None when unknown
    attempts: int = 1

    @classmethod
    def failed(
        cls, req: GenerationRequest, error: str, latency_ms: float = 0.0, attempts: int = 1
    ) -> GenerationResult:
        return cls(
            example_id=req.example_id,
            content_hash=req.content_hash,
            prompt_token_ids=list(req.prompt_token_ids),
            finish_reason="error",
            latency_ms=latency_ms,
            input_tokens=len(req.prompt_token_ids),
            error=error,
            truncated_prompt=req.truncated_prompt,
            attempts=attempts,
        )

    def to_row(self) -> dict[str, Any]:
        return dict(self.__dict__)
