"""Rule-based, meaning-preserving rephrasings of a prompt (for prompt-sensitivity analysis).

The first five rules are wrappers that never touch the prompt's own wording (quoted arguments of
capability probes stay intact), in a fixed order, so paraphrase k is the same template across items
(a crossed items x paraphrases design).  A sixth rule swaps a few phrasings when one applies.
"""

from __future__ import annotations

import re

_LOWERABLE = {
    "how",
    "what",
    "what's",
    "can",
    "do",
    "does",
    "is",
    "are",
    "where",
    "which",
    "who",
    "when",
    "why",
    "if",
    "reverse",
    "count",
    "compute",
    "return",
    "list",
    "give",
    "please",
    "tell",
    "calculate",
    "spell",
    "write",
    "answer",
    "our",
    "my",
    "we",
    "should",
    "will",
    "could",
    "would",
    "name",
}

_SWAPS: list[tuple[str, str]] = [
    (r"^How much does (.+) cost\?", r"What is the price of \1?"),
    (r"^What is\b", "What's"),
    (r"^What's\b", "What is"),
    (r"^Can I\b", "Is it possible to"),
    (r"^How do I\b", "What's the way to"),
    (r"^How can I\b", "What's the way to"),
    (r"^Do you\b", "Does Brightdesk"),
    (r"^Is there\b", "Do you have"),
    (r"\bplease\b", "kindly"),
]


def _lower_first(q: str) -> str:
    first = q.split(" ", 1)[0]
    if first.lower().strip("?,.!") in _LOWERABLE and first not in ("I", "I'm"):
        return q[0].lower() + q[1:]
    return q


RULES: list[tuple[str, object]] = [
    ("greeting", lambda q: f"Hi there! {q}"),
    ("quick_question", lambda q: f"Quick question: {_lower_first(q)}"),
    ("thanks_suffix", lambda q: f"{q} Thanks in advance."),
    ("help_prefix", lambda q: f"Could you help me with this? {q}"),
    ("support_context", lambda q: f"I have a question for Brightdesk support. {q}"),
]


def _swap(q: str) -> str | None:
    for pat, rep in _SWAPS:
        new, n = re.subn(pat, rep, q, count=1)
        if n:
            return new
    return None


def paraphrases(prompt: str, n: int = 5) -> list[tuple[str, str]]:
    """Up to `n` (rule name, rephrased prompt) pairs, all distinct and different from `prompt`."""
    out: list[tuple[str, str]] = []
    seen = {prompt}
    candidates = [(name, fn(prompt)) for name, fn in RULES]  # type: ignore[operator]
    swapped = _swap(prompt)
    if swapped is not None:
        candidates.append(("lexical_swap", swapped))
    for name, text in candidates:
        if text not in seen:
            out.append((name, text))
            seen.add(text)
        if len(out) == n:
            break
    return out
