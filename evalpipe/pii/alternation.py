"""A regex alternation of many literal strings, built as a character trie.

Python's `re` tries every branch of `a|b|c…` at every position; the sweeps match hundreds of
found values against every text of a partition, and that flat alternation was their largest cost.
Merging common prefixes ("Anna", "Anne", "Annika" → `Ann(?:a|e|ika)`) lets the engine drop a
position after one character test.  At each node the longer continuation is tried first, so the
match at a position is the longest listed value, as with a longest-first flat alternation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_END = ""  # key of a trie node marking that a value ends there


def literal_alternation(values: Iterable[str], ignore_case: bool = False) -> str:
    """Regex source (no surrounding group) matching any of `values`, longest first at each position.

    With `ignore_case` the values are lower-cased first; compile the result with `re.IGNORECASE`.
    """
    trie: dict = {}
    for v in values:
        if not v:
            continue
        node = trie
        for ch in v.lower() if ignore_case else v:
            node = node.setdefault(ch, {})
        node[_END] = {}
    return _emit(trie) if trie else "(?!)"


def _emit(node: dict) -> str:
    ends = _END in node
    branches = []
    for ch in sorted(k for k in node if k != _END):
        child = node[ch]
        # follow a chain of single-child, non-terminal nodes as one literal run
        run = ch
        while len(child) == 1 and _END not in child:
            (nxt,) = child
            run += nxt
            child = child[nxt]
        branches.append(re.escape(run) + _emit(child))  # the child's own "?" covers a value ending there
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:
        return f"(?:{body})?" if len(branches) == 1 else body + "?"
    return body
