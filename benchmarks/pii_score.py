"""Score a scrubber on labelled canonical rows: per planted value, is anything of it left?

A planted value counts as **fully masked** when, in the scrubbed row, neither the value itself nor
any of its identifying tokens (`Gold.tokens`: name parts, digit groups, key bodies, ...) occurs more
often than it does in the original row with every planted value cut out (the *baseline*: the word
"Thomas" of a template sentence does not make the name "Zachary Thomas" leak, the "Thomas" left
behind by a mask that only took "Zachary" does).  Tokens match whole words of their class
(digits against digits, letters against letters, case-insensitive); tokens in non-Latin scripts
match as substrings.

Known over-count: a token shared by two planted values (the name "Pamela Hoover" and the e-mail
"pamela.hoover@..." built from it) counts against both when it survives in either, so e-mail
(and some identifier) leak rates include part of the name leaks.  Aligning each surviving token
to the value it came from would remove this; it is not done yet.

Rows are compared as text per *location* (system prompt, user turns, assistant turns, tool
arguments, tool results, retrieved context, error, feedback, metadata, ids, ...), taken from the
canonical columns with every string that holds JSON decoded, to any depth.  A value leaks overall
if it leaks anywhere in the row; the per-field table checks each location the value was in.

Precision proxy: the original and scrubbed texts of each location are aligned word by word
(difflib); every changed stretch is a replacement, and it is "on target" when it overlaps a
planted value.  Benign phrases are kept when they occur in the scrubbed row at least as often
as in the original one.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

LOC_BY_COLUMN = {
    "system_instructions": "system",
    "retrieved_context": "context",
    "error_message": "error",
    "error_type": "error",
    "feedback_comment": "feedback",
    "metadata": "metadata",
    "tags": "tags",
    "user_id": "user_id",
    "session_id": "ids",
    "call_id": "ids",
    "trace_id": "ids",
    "span_id": "ids",
    "tools": "tools",
    "params": "tools",
}
MESSAGE_COLUMNS = ("input_messages", "output_messages")
SKIP_COLUMNS = {
    "record_id",
    "day",
    "source_format",
    "source_file",
    "source_line",
    "source_index",
    "scrubber_version",
}
ROLE_LOC = {
    "user": "user",
    "assistant": "assistant",
    "system": "system",
    "developer": "system",
    "tool": "tool_result",
}


def _decode(o: Any) -> Any:
    if isinstance(o, str):
        s = o.strip()
        if s[:1] in "{[" and s[-1:] in "}]":
            try:
                return _decode(json.loads(s))
            except ValueError:
                return o
        return o
    if isinstance(o, dict):
        return {k: _decode(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_decode(v) for v in o]
    return o


def _leaves(o: Any, out: list[str]) -> None:
    o = _decode(o)
    if isinstance(o, dict):
        for v in o.values():
            _leaves(v, out)
    elif isinstance(o, list):
        for v in o:
            _leaves(v, out)
    elif isinstance(o, str):
        out.append(o)
    elif isinstance(o, bool) or o is None:
        return
    else:
        out.append(str(o))


def row_locations(row: Mapping[str, Any]) -> dict[str, str]:
    """location -> text (leaves joined by newlines) for one canonical row."""
    locs: dict[str, list[str]] = defaultdict(list)
    for col, val in row.items():
        if col in SKIP_COLUMNS or val is None:
            continue
        if col in MESSAGE_COLUMNS:
            msgs = _decode(val)
            if not isinstance(msgs, list):
                _leaves(msgs, locs["user" if col == "input_messages" else "assistant"])
                continue
            for m in msgs:
                if not isinstance(m, dict):
                    _leaves(m, locs["user"])
                    continue
                base = ROLE_LOC.get(str(m.get("role")), "user")
                parts = m.get("parts")
                if not isinstance(parts, list):
                    _leaves(m, locs[base])
                    continue
                for p in parts:
                    kind = p.get("type") if isinstance(p, dict) else None
                    if kind == "tool_call":
                        _leaves({k: v for k, v in p.items() if k not in ("type", "id")}, locs["tool_args"])
                    elif kind == "tool_call_response":
                        _leaves(p.get("response"), locs["tool_result"])
                    elif isinstance(p, dict):
                        _leaves(p.get("content", {k: v for k, v in p.items() if k != "type"}), locs[base])
                    else:
                        _leaves(p, locs[base])
            continue
        _leaves(val, locs[LOC_BY_COLUMN.get(col, "other")])
    return {k: "\n".join(v) for k, v in locs.items()}


# ------------------------------------------------------------------------------ matching
def _nonlatin(s: str) -> bool:
    return any(ord(ch) > 0x24F and ch.isalpha() for ch in s)


_PATTERNS: dict[tuple[str, bool], re.Pattern[str]] = {}


def _pattern(s: str, is_token: bool) -> re.Pattern[str]:
    key = (s, is_token)
    p = _PATTERNS.get(key)
    if p is None:
        if not is_token or _nonlatin(s):
            p = re.compile(re.escape(s))
        elif s.isdigit():
            p = re.compile(rf"(?<!\d){re.escape(s)}(?!\d)")
        elif s.isalpha():
            p = re.compile(rf"(?<![^\W\d_]){re.escape(s)}(?![^\W\d_])", re.IGNORECASE)
        else:
            p = re.compile(rf"(?<![A-Za-z0-9]){re.escape(s)}(?![A-Za-z0-9])")
        if len(_PATTERNS) > 200_000:
            _PATTERNS.clear()
        _PATTERNS[key] = p
    return p


def count(text: str, s: str, is_token: bool = False) -> int:
    return len(_pattern(s, is_token).findall(text))


def cut_values(text: str, values: Iterable[str]) -> str:
    for v in sorted(set(values), key=len, reverse=True):
        text = text.replace(v, "\x00")
    return text


def survives(scrubbed: str, baseline: str, value: str, tokens: Sequence[str]) -> bool:
    """True if the value, or one of its tokens, is in `scrubbed` more often than in `baseline`."""
    if value in scrubbed and scrubbed.count(value) > baseline.count(value):
        return True
    return any(count(scrubbed, t, True) > count(baseline, t, True) for t in tokens)


# ------------------------------------------------------------------------------- alignment
_WORD_RE = re.compile(r"\w+|[^\w\s]|\s+")


def replacements(orig: str, new: str) -> list[tuple[int, int]]:
    """Character spans of `orig` that were changed in `new` (word-level alignment)."""
    if orig == new:
        return []
    a = [(m.start(), m.end()) for m in _WORD_RE.finditer(orig)]
    at = [orig[s:e] for s, e in a]
    bt = _WORD_RE.findall(new)
    out = []
    sm = difflib.SequenceMatcher(None, at, bt, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal" or i1 == i2:  # pure insertions (e.g. added annotations) are not replacements
            continue
        seg = "".join(at[i1:i2])
        if not seg.strip() and not "".join(bt[j1:j2]).strip():
            continue
        out.append((a[i1][0], a[i2 - 1][1]))
    return out


# ------------------------------------------------------------------------------- scoring
@dataclass
class Score:
    records: int = 0
    held_back: int = 0
    values: Counter = field(default_factory=Counter)  # entity -> planted (unique per record)
    leaked: Counter = field(default_factory=Counter)  # entity -> leaked
    field_values: Counter = field(default_factory=Counter)  # location -> planted occurrences
    field_leaked: Counter = field(default_factory=Counter)
    secrets: Counter = field(default_factory=Counter)  # kind -> planted
    secrets_leaked: Counter = field(default_factory=Counter)
    shapes: Counter = field(default_factory=Counter)  # entity/kind -> planted
    shapes_leaked: Counter = field(default_factory=Counter)
    benign: int = 0
    benign_kept: int = 0
    benign_lost: Counter = field(default_factory=Counter)  # phrase -> times lost
    repl: int = 0
    repl_on_target: int = 0
    seconds: float = float("nan")

    @property
    def leak_rate(self) -> float:
        n = sum(self.values.values())
        return sum(self.leaked.values()) / n if n else float("nan")

    @property
    def precision(self) -> float:
        return self.repl_on_target / self.repl if self.repl else float("nan")

    @property
    def benign_kept_rate(self) -> float:
        return self.benign_kept / self.benign if self.benign else float("nan")

    @property
    def records_per_s(self) -> float:
        return self.records / self.seconds if self.seconds else float("nan")


def _shape_key(entity: str, kind: str) -> str:
    if entity == "CREDIT_CARD":
        return f"CREDIT_CARD/{kind.split('/')[-1]}"
    if entity == "IBAN":
        return f"IBAN/{kind.split('/')[-1]}"
    if entity in ("SECRET", "ADDRESS"):
        return entity  # secrets by kind are in their own table; addresses by locale below
    return f"{entity}/{kind}" if kind else entity


def score_rows(
    records: Sequence[Any],
    orig_rows: Sequence[Mapping[str, Any]],
    scrubbed_rows: Sequence[Mapping[str, Any] | None],
    seconds: float = float("nan"),
) -> Score:
    """records[i].gold / .benign describe orig_rows[i]; scrubbed_rows[i] is None if it was held back."""
    sc = Score(records=len(records), seconds=seconds)
    for rec, orig, new in zip(records, orig_rows, scrubbed_rows, strict=True):
        o_loc = row_locations(orig)
        s_loc = row_locations(new) if new is not None else {}
        if new is None:
            sc.held_back += 1
        values = [g.value for g in rec.gold]
        b_loc = {k: cut_values(v, values) for k, v in o_loc.items()}
        o_all, s_all, b_all = "\n".join(o_loc.values()), "\n".join(s_loc.values()), "\n".join(b_loc.values())
        # unique (entity, value) per record for the overall and per-entity rates
        uniq: dict[tuple[str, str], Any] = {}
        for g in rec.gold:
            uniq.setdefault((g.entity, g.value), g)
        for (ent, val), g in uniq.items():
            leaked = new is not None and survives(s_all, b_all, val, g.tokens)
            sc.values[ent] += 1
            sc.leaked[ent] += leaked
            sk = _shape_key(ent, g.kind)
            sc.shapes[sk] += 1
            sc.shapes_leaked[sk] += leaked
            if ent == "ADDRESS":
                sc.shapes[f"ADDRESS/{g.kind}"] += 1
                sc.shapes_leaked[f"ADDRESS/{g.kind}"] += leaked
            if ent == "SECRET":
                sc.secrets[g.kind] += 1
                sc.secrets_leaked[g.kind] += leaked
            for loc, text in o_loc.items():
                if val in text:
                    sc.field_values[loc] += 1
                    sc.field_leaked[loc] += new is not None and survives(
                        s_loc.get(loc, ""), b_loc[loc], val, g.tokens
                    )
        for phrase in dict.fromkeys(b.phrase for b in rec.benign):
            sc.benign += 1
            kept = new is not None and s_all.count(phrase) >= o_all.count(phrase)
            sc.benign_kept += kept
            if not kept:
                sc.benign_lost[phrase] += 1
        if new is None:
            continue
        for loc, text in o_loc.items():
            spans = [(m.start(), m.end()) for v in set(values) for m in re.finditer(re.escape(v), text)]
            for s, e in replacements(text, s_loc.get(loc, "")):
                sc.repl += 1
                sc.repl_on_target += any(s < ge and gs < e for gs, ge in spans)
    return sc


def leak_examples(
    records: Sequence[Any],
    orig_rows: Sequence[Mapping[str, Any]],
    scrubbed_rows: Sequence[Mapping[str, Any] | None],
    limit: int = 20,
) -> list[str]:
    """Leaked values with what survived and the scrubbed text around it (for the dev split only)."""
    out: list[str] = []
    for rec, orig, new in zip(records, orig_rows, scrubbed_rows, strict=True):
        if new is None:
            continue
        o_loc, s_loc = row_locations(orig), row_locations(new)
        values = [g.value for g in rec.gold]
        b_all = cut_values("\n".join(o_loc.values()), values)
        s_all = "\n".join(s_loc.values())
        for g in {(g.entity, g.value): g for g in rec.gold}.values():
            if not survives(s_all, b_all, g.value, g.tokens):
                continue
            left = [t for t in g.tokens if count(s_all, t, True) > count(b_all, t, True)]
            m = re.search(re.escape(g.value), s_all) or (
                re.search(re.escape(left[0]), s_all, re.I) if left else None
            )
            at = m.start() if m else 0
            snippet = s_all[max(0, at - 60) : at + len(g.value) + 60].replace("\n", " | ")
            out.append(
                f"[{rec.family}] {g.entity}/{g.kind} {g.value!r} "
                f"{'whole value' if g.value in s_all else 'tokens ' + repr(left)} left in: ...{snippet}..."
            )
            if len(out) >= limit:
                return out
    return out


# ------------------------------------------------------------------------------ reporting
def _rate(k: int, n: int) -> str:
    return f"{k / n:6.1%}" if n else "     -"


def print_comparison(title: str, scores: Mapping[str, Score]) -> None:
    """One table per corpus: rows are entities / fields / secret kinds, one column pair per system."""
    names = list(scores)
    w = 12
    print(f"\n== {title}")
    first = scores[names[0]]
    print(
        f"records {first.records}, planted values {sum(first.values.values())} (unique per record), "
        f"benign phrases {first.benign} (unique per record)"
    )
    head = f"{'':<26}{'planted':>8}" + "".join(f"{n[:w]:>{w + 2}}" for n in names)

    def table(
        label: str, planted: Counter, leaked_of: Callable[[Score], Counter], keys: Iterable[str]
    ) -> None:
        print(f"\n{label} (leaked)")
        print(head)
        for k in keys:
            print(
                f"{k:<26}{planted[k]:>8}"
                + "".join(f"{_rate(leaked_of(s)[k], planted[k]):>{w + 2}}" for s in scores.values())
            )

    table("per entity", first.values, lambda s: s.leaked, sorted(first.values))
    table(
        "per field (value checked where it was written)",
        first.field_values,
        lambda s: s.field_leaked,
        sorted(first.field_values),
    )
    table("per shape", first.shapes, lambda s: s.shapes_leaked, sorted(first.shapes))
    table("secrets by kind", first.secrets, lambda s: s.secrets_leaked, sorted(first.secrets))
    print("\nsummary")
    print(f"{'':<34}" + "".join(f"{n[:w]:>{w + 2}}" for n in names))
    rows = [
        ("values leaked", lambda s: f"{s.leak_rate:.1%}"),
        ("secrets leaked", lambda s: f"{sum(s.secrets_leaked.values())}/{sum(s.secrets.values())}"),
        (
            "secret kinds with a leak",
            lambda s: f"{sum(1 for v in s.secrets_leaked.values() if v)}/{len(s.secrets)}",
        ),
        ("names leaked", lambda s: _rate(s.leaked["PERSON"], s.values["PERSON"]).strip()),
        ("addresses leaked", lambda s: _rate(s.leaked["ADDRESS"], s.values["ADDRESS"]).strip()),
        ("benign phrases kept", lambda s: f"{s.benign_kept_rate:.1%}"),
        ("precision proxy (on target)", lambda s: f"{s.precision:.1%}"),
        ("replacements", lambda s: str(s.repl)),
        ("records held back", lambda s: str(s.held_back)),
        ("records/s", lambda s: f"{s.records_per_s:.1f}"),
    ]
    for label, fn in rows:
        print(f"{label:<34}" + "".join(f"{fn(s):>{w + 2}}" for s in scores.values()))
    for n, s in scores.items():
        lost = ", ".join(f"{p!r} x{k}" for p, k in s.benign_lost.most_common(8))
        print(f"benign phrases most often lost by {n}: {lost or '-'}")
