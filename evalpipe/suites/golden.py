"""Golden partition: hand-curated items whose computable references are computed, never typed.

An item in ``data/golden/golden.yaml``::

    - id: cap-reverse-01
      tags: [capability, char_composition]
      vars: {text: "support tickets close faster"}
      prompt: 'Reverse the order of the words in "{text}". Reply with the result only.'
      reference: {compute: reverse_words, args: {text: $text}}    # "$name" -> vars[name]
      context: [kb/pricing.md#plans]                               # optional KB passage ids
      constraints: {json_schema: {...}}                            # optional
      rubric: "..."                                                # optional

`reference` is either a literal string (facts from the KB or the world, not computable) or a
`{compute: <fn>, args: {...}}` template expanded by `COMPUTE` below.  Items tagged `paraphrase`
get rule-based rephrasings (`evalpipe.suites.paraphrase`).
"""

from __future__ import annotations

import ast
import json
import operator
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from evalpipe.suites.kb import (
    DEFAULT_KB_DIR,
    annual_months_paid,
    kb_passages,
    nonprofit_discount,
    plan_prices,
)
from evalpipe.suites.paraphrase import paraphrases
from evalpipe.suites.schema import make_row

DEFAULT_GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden" / "golden.yaml"


class GoldenFileError(ValueError):
    """The golden file is malformed (unknown compute function, missing var or passage, ...)."""


def _fmt_number(x: Fraction) -> str:
    if x.denominator == 1:
        return str(x.numerator)
    return f"{float(x):.2f}".rstrip("0").rstrip(".")


def _usd(x: Fraction) -> str:
    if x.denominator == 1:
        return f"${x.numerator:,}"
    return f"${float(x):,.2f}"


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def eval_arith(expr: str) -> Fraction:
    """Exact evaluation of + - * / and parentheses over integer/decimal literals."""

    def ev(node: ast.AST) -> Fraction:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int | float)
            and not isinstance(node.value, bool)
        ):
            return Fraction(str(node.value))
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return _BINOPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        raise GoldenFileError(f"unsupported arithmetic in {expr!r}")

    return ev(ast.parse(expr, mode="eval"))


def _plan_cost(
    plan: str, seats: int, billing: str = "monthly", nonprofit: bool = False, kb_dir: Path = DEFAULT_KB_DIR
) -> Fraction:
    """Monthly bill (billing=monthly) or yearly bill (billing=annual) in USD."""
    price = plan_prices(kb_dir)[plan]
    if price is None:
        raise GoldenFileError(f"plan {plan} has no list price")
    cost = Fraction(price) * seats
    if nonprofit:
        frac, plans = nonprofit_discount(kb_dir)
        if plan in plans:
            cost *= 1 - Fraction(str(frac))
    if billing == "annual":
        return cost * annual_months_paid(kb_dir)
    if billing == "monthly":
        return cost
    raise GoldenFileError(f"billing must be monthly or annual, got {billing!r}")


def _plans_json(keys: list[str], kb_dir: Path = DEFAULT_KB_DIR) -> str:
    name_key, price_key = keys
    items = [{name_key: n, price_key: p} for n, p in plan_prices(kb_dir).items()]
    return json.dumps(items, ensure_ascii=False)


COMPUTE: dict[str, Callable[..., str]] = {
    "reverse_words": lambda text: " ".join(reversed(text.split())),
    "reverse_chars": lambda text: text[::-1],
    "count_char": lambda text, char: str(text.lower().count(char.lower())),
    "count_words": lambda text: str(len(text.split())),
    "arith": lambda expr: _fmt_number(eval_arith(expr)),
    "plan_cost": lambda plan, seats, billing="monthly", nonprofit=False: _usd(
        _plan_cost(plan, int(seats), billing, bool(nonprofit))
    ),
    "plan_cost_difference": lambda plan_a, plan_b, seats, billing="monthly": _usd(
        _plan_cost(plan_a, int(seats), billing) - _plan_cost(plan_b, int(seats), billing)
    ),
    "plans_json": lambda keys: _plans_json(list(keys)),
}


def _resolve(value: Any, vars_: dict[str, Any], item_id: str) -> Any:
    if isinstance(value, str) and value.startswith("$"):
        name = value[1:]
        if name not in vars_:
            raise GoldenFileError(f"{item_id}: reference uses undefined var ${name}")
        return vars_[name]
    if isinstance(value, list):
        return [_resolve(v, vars_, item_id) for v in value]
    if isinstance(value, str) and vars_ and "{" in value:
        try:
            return value.format(**vars_)  # e.g. expr: "{a} * {b} + {c}"
        except KeyError as e:
            raise GoldenFileError(f"{item_id}: reference uses undefined var {e}") from None
    return value


def expand_reference(ref: Any, vars_: dict[str, Any], item_id: str) -> tuple[str | None, dict | None]:
    """(reference string, compute spec or None)."""
    if ref is None or isinstance(ref, str):
        return ref, None
    if isinstance(ref, dict) and "compute" in ref:
        fn = ref["compute"]
        if fn not in COMPUTE:
            raise GoldenFileError(f"{item_id}: unknown compute function {fn!r}; known: {sorted(COMPUTE)}")
        args = {k: _resolve(v, vars_, item_id) for k, v in (ref.get("args") or {}).items()}
        return COMPUTE[fn](**args), {"compute": fn, "args": args}
    raise GoldenFileError(f"{item_id}: reference must be a string or {{compute: ...}}, got {ref!r}")


def load_golden_items(path: str | Path = DEFAULT_GOLDEN) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    items = doc["items"] if isinstance(doc, dict) else doc
    ids = [it["id"] for it in items]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise GoldenFileError(f"duplicate golden ids: {dup}")
    return items


def golden_rows(
    path: str | Path = DEFAULT_GOLDEN,
    kb_dir: str | Path = DEFAULT_KB_DIR,
    n_paraphrases: int = 5,
) -> list[dict[str, Any]]:
    """Expanded golden rows (plus paraphrase variants of items tagged `paraphrase`)."""
    passages = kb_passages(kb_dir)
    rel = Path(path).name
    rows = []
    for it in load_golden_items(path):
        iid = it["id"]
        vars_ = it.get("vars") or {}
        try:
            prompt = it["prompt"].format(**vars_) if vars_ else it["prompt"]  # braces literal without vars
        except KeyError as e:
            raise GoldenFileError(f"{iid}: prompt uses undefined var {e}") from None
        reference, compute = expand_reference(it.get("reference"), vars_, iid)
        ctx = None
        if it.get("context"):
            missing = [c for c in it["context"] if c not in passages]
            if missing:
                raise GoldenFileError(f"{iid}: unknown KB passage id(s) {missing}")
            ctx = [{"id": c, "content": passages[c]} for c in it["context"]]
        tags = list(it.get("tags") or [])
        if ctx:
            tags.append("rag")
        source = {"file": f"data/golden/{rel}", "item": iid, "generator": "golden/1"}
        if compute:
            source["computed"] = compute
        base: dict[str, Any] = {  # make_row keyword arguments, validated there
            "partition": "golden",
            "context": ctx,
            "reference": reference,
            "rubric": it.get("rubric"),
            "constraints": it.get("constraints"),
            "tags": tags,
        }
        has_para = "paraphrase" in tags and n_paraphrases > 0
        rows.append(
            make_row(
                example_id=iid,
                input_messages=[{"role": "user", "content": prompt}],
                source=source,
                paraphrase_id=0 if has_para else None,
                **base,
            )
        )
        if has_para:
            variants = paraphrases(prompt, n_paraphrases)
            if len(variants) < n_paraphrases:
                raise GoldenFileError(f"{iid}: only {len(variants)} paraphrases could be generated")
            for k, (rule, text) in enumerate(variants, start=1):
                rows.append(
                    make_row(
                        example_id=f"{iid}~p{k}",
                        input_messages=[{"role": "user", "content": text}],
                        source={**source, "paraphrase_rule": rule},
                        paraphrase_of=iid,
                        paraphrase_id=k,
                        **base,
                    )
                )
    return rows
