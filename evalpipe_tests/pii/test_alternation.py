"""The trie-built alternation matches exactly what a longest-first flat alternation matches."""

import random
import re

import pytest

from evalpipe.pii.alternation import literal_alternation


def _flat(values: list[str], ignore_case: bool) -> str:
    src = sorted({v.lower() if ignore_case else v for v in values}, key=len, reverse=True)
    return "|".join(re.escape(v) for v in src)


@pytest.mark.parametrize("ignore_case", [False, True])
def test_same_matches_as_flat_alternation(ignore_case: bool) -> None:
    rng = random.Random(7)
    alphabet = "abAB .é+("
    flags = re.IGNORECASE if ignore_case else 0
    for _ in range(2000):
        values = [
            "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5))) for _ in range(rng.randint(1, 8))
        ]
        text = "".join(rng.choice(alphabet) for _ in range(40))
        flat = re.compile(r"(?<!b)(?:" + _flat(values, ignore_case) + r")(?!\w)", flags)
        trie = re.compile(r"(?<!b)(?:" + literal_alternation(values, ignore_case) + r")(?!\w)", flags)
        assert [m.span() for m in trie.finditer(text)] == [m.span() for m in flat.finditer(text)], values


def test_prefers_the_longest_value_and_escapes_metacharacters() -> None:
    rx = re.compile(literal_alternation(["Ann", "Anna", "Anna-Lena", "a.b"]))
    assert rx.findall("Anna-Lena, Anna, Ann, a.b, axb") == ["Anna-Lena", "Anna", "Ann", "a.b"]


def test_no_values_matches_nothing() -> None:
    assert re.search(literal_alternation([]), "anything") is None
