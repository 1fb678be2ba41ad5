"""Golden partition: coverage, and every computed reference re-checked by an independent implementation."""

from __future__ import annotations

import json
import re
from collections import Counter

import jsonschema
import pytest

from evalpipe.suites.golden import GoldenFileError, expand_reference, golden_rows, load_golden_items
from evalpipe.suites.kb import kb_passages
from evalpipe.suites.paraphrase import paraphrases


def _kb_prices(repo):
    """Independent parse of the pricing page (different regex from evalpipe.suites.kb)."""
    text = (repo / "data" / "kb" / "pricing.md").read_text()
    prices = {}
    for plan in ("Starter", "Team", "Business"):
        m = re.search(r"\*\*" + plan + r"\*\*:\s*\$(\d+)", text)
        prices[plan] = int(m.group(1))
    assert "pay for 10 months instead of 12" in text
    assert "non-profits get 50% off the Team and Business plans" in text
    return prices


@pytest.fixture(scope="module")
def rows():
    return golden_rows()


def test_coverage(rows):
    base = [r for r in rows if r["paraphrase_of"] is None]
    assert len(base) >= 60
    tags = Counter(t for r in base for t in r["tags"])
    for cat in (
        "pricing",
        "billing",
        "features",
        "cancellation",
        "troubleshooting",
        "json_format",
        "rag",
        "char_composition",
        "factual",
        "arithmetic",
    ):
        assert tags[cat] >= 3, cat
    assert len({r["example_id"] for r in rows}) == len(rows)
    assert all(r["partition"] == "golden" for r in rows)


def test_rag_context_is_the_kb_passage(rows):
    passages = kb_passages()
    for r in rows:
        if r["context"]:
            for c in json.loads(r["context"]):
                assert passages[c["id"]] == c["content"]


def _fmt_usd(x: float) -> str:
    return f"${int(x):,}" if float(x).is_integer() else f"${x:,.2f}"


def _independent(fn, args, repo):
    if fn == "reverse_words":
        words = args["text"].split()
        out = []
        for i in range(len(words) - 1, -1, -1):
            out.append(words[i])
        return " ".join(out)
    if fn == "reverse_chars":
        return "".join(args["text"][i] for i in range(len(args["text"]) - 1, -1, -1))
    if fn == "count_char":
        return str(sum(1 for c in args["text"] if c.lower() == args["char"].lower()))
    if fn == "count_words":
        return str(len(re.findall(r"\S+", args["text"])))
    if fn == "arith":
        v = eval(args["expr"], {"__builtins__": {}})  # test-only: literal arithmetic from the golden file
        return str(int(v)) if float(v).is_integer() else repr(round(v, 2))
    prices = _kb_prices(repo)
    if fn == "plan_cost":
        monthly = prices[args["plan"]] * int(args["seats"])
        if args.get("nonprofit") and args["plan"] in ("Team", "Business"):
            monthly = monthly / 2
        return _fmt_usd(monthly * 10 if args.get("billing") == "annual" else monthly)
    if fn == "plan_cost_difference":
        s = int(args["seats"])
        return _fmt_usd(prices[args["plan_a"]] * s - prices[args["plan_b"]] * s)
    if fn == "plans_json":
        k1, k2 = args["keys"]
        return [{k1: p, k2: prices.get(p)} for p in ("Starter", "Team", "Business", "Enterprise")]
    raise AssertionError(f"no independent check for {fn}")


def test_every_computed_reference_is_correct(rows, repo):
    computed = [r for r in rows if "computed" in json.loads(r["source"])]
    assert len(computed) >= 20
    fns = set()
    for r in computed:
        spec = json.loads(r["source"])["computed"]
        fns.add(spec["compute"])
        want = _independent(spec["compute"], spec["args"], repo)
        if spec["compute"] == "plans_json":
            assert json.loads(r["reference"]) == want, r["example_id"]
        else:
            assert r["reference"] == want, r["example_id"]
        prompt = json.loads(r["input_messages"])[-1]["content"]
        for key in ("text", "plan", "seats"):
            if key in spec["args"]:
                assert str(spec["args"][key]) in prompt, (r["example_id"], key)
        if "expr" in spec["args"]:  # every operand of the computed expression is in the question
            for num in re.findall(r"\d+(?:\.\d+)?", spec["args"]["expr"]):
                assert num in prompt or r["example_id"] == "fact-05", (r["example_id"], num)
    assert {"reverse_words", "reverse_chars", "count_char", "arith", "plan_cost"} <= fns


def test_known_answers(rows):
    by_id = {r["example_id"]: r for r in rows}
    assert by_id["cap-count-01"]["reference"] == "3"  # r's in strawberry
    assert by_id["math-price-01"]["reference"] == "$3,480"  # 12 x $29 x 10 months
    assert by_id["cap-reverse-03"]["reference"] == "ksedpleh"


def test_json_items_have_schema_and_reference_validates_when_json(rows):
    items = [r for r in rows if "json_format" in r["tags"] and r["paraphrase_of"] is None]
    assert len(items) >= 5
    for r in items:
        schema = json.loads(r["constraints"])["json_schema"]
        jsonschema.Draft202012Validator.check_schema(schema)
        ref = r["reference"]
        if ref.startswith(("{", "[")):
            jsonschema.validate(json.loads(ref), schema)


def test_paraphrases_linked_and_distinct(rows):
    groups: dict[str, list] = {}
    for r in rows:
        if r["paraphrase_of"]:
            groups.setdefault(r["paraphrase_of"], []).append(r)
    by_id = {r["example_id"]: r for r in rows}
    assert len(groups) >= 8
    for src, vs in groups.items():
        s = by_id[src]
        assert s["paraphrase_id"] == 0 and "paraphrase" in s["tags"]
        assert sorted(v["paraphrase_id"] for v in vs) == [1, 2, 3, 4, 5]
        texts = {json.loads(v["input_messages"])[0]["content"] for v in vs}
        assert len(texts) == 5 and json.loads(s["input_messages"])[0]["content"] not in texts
        for v in vs:
            assert (v["reference"], v["context"], v["constraints"]) == (
                s["reference"],
                s["context"],
                s["constraints"],
            )
    # quoted arguments of capability probes survive every paraphrase rule
    for v in groups["cap-reverse-01"]:
        assert "'support tickets close faster'" in json.loads(v["input_messages"])[0]["content"]


def test_paraphrase_rules_fixed_order():
    a = [name for name, _ in paraphrases("How much is Team?")]
    b = [name for name, _ in paraphrases("Reverse 'abc'.")]
    assert a == b


def test_bad_golden_inputs():
    with pytest.raises(GoldenFileError, match="unknown compute"):
        expand_reference({"compute": "nope", "args": {}}, {}, "x")
    with pytest.raises(GoldenFileError, match="undefined var"):
        expand_reference({"compute": "reverse_words", "args": {"text": "$missing"}}, {}, "x")


def test_no_hand_typed_computable_reference():
    """Capability probes that ask to reverse/count/compute must use a compute template."""
    for it in load_golden_items():
        p = it["prompt"].lower()
        if "capability" not in (it.get("tags") or []) or "factual" in it["tags"]:
            continue
        if any(
            w in p for w in ("reverse", "backwards", "how many times", "count the", "compute", "calculate")
        ):
            if "json" not in p:
                assert isinstance(it.get("reference"), dict), it["id"]
