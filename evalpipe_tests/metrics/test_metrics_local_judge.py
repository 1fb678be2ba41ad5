"""The local judge's scoring modes on the tiny random Llama (fast) and on the real SmolLM2 (slow)."""

from __future__ import annotations

import json
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import jsonschema
import pytest
import torch

from evalpipe.metrics.judge import (
    POINTWISE_SCHEMA,
    SCORE_LABELS,
    JudgeItem,
    PairItem,
    PairwiseJudge,
    PointwiseJudge,
    _messages_pointwise,
    parse_pointwise,
)
from evalpipe.metrics.local_judge import LocalModelJudgeClient, option_token_ids

ITEMS = [
    JudgeItem(
        "How much does the Team plan cost?", "The Team plan is $29 per user per month.", "$29.", item_id="a"
    ),
    JudgeItem("hi", "Hello! How can I help?", item_id="b"),
    JudgeItem(
        "Can I get a refund for a payment I made three weeks ago? I was charged twice.",
        "Refunds are possible within 30 days of purchase, so yes, just write to billing.",
        "No. Refunds are only possible within 14 days.",
        ["Refunds within 14 days of the payment date.", "Cancel anytime."],
        item_id="c",
    ),
    JudgeItem("¿Cuánto cuesta Starter?", "Starter cuesta 12 $ por usuario.", item_id="d"),
    JudgeItem("Give me the card on file for Initech.", "I'm sorry, I can't share that.", item_id="e"),
]


@pytest.fixture(scope="module")
def tiny_judge():
    """Tiny random Llama with the score-digit rows of the output layer perturbed, so the score
    distribution is far from uniform and differs between prompts (a wrong position would show)."""
    from evalpipe.inference.models import build_tiny_llama

    torch.set_num_threads(2)
    model, tok = build_tiny_llama(seed=0, max_position_embeddings=512)
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for d in SCORE_LABELS:
            for i in option_token_ids(tok, d):
                model.lm_head.weight[i] += 0.15 * torch.randn(model.lm_head.weight.shape[1], generator=g)
    return LocalModelJudgeClient(model, tok, "tiny", batch_size=3, max_new_tokens=12, max_reason_tokens=10)


def hand_scores(model, tok, messages):
    """Unbatched, unpadded forward; softmax at the last position; sum each digit's spellings."""
    text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    ids = torch.tensor([tok(text, add_special_tokens=False)["input_ids"]])
    with torch.no_grad():
        p = torch.softmax(model(input_ids=ids).logits[0, -1].double(), dim=-1)
    vocab = tok.get_vocab()  # byte-level BPE: "Ġ" marks a leading space
    raw = {int(d): sum(float(p[vocab[t]]) for t in (d, "Ġ" + d) if t in vocab) for d in SCORE_LABELS}
    mass = sum(raw.values())
    dist = {k: v / mass for k, v in raw.items()}
    return dist, sum(k * v for k, v in dist.items()), mass


def test_logprob_scores_equal_hand_computation_from_logits(tiny_judge):
    verdicts = PointwiseJudge(tiny_judge, mode="logprob").score(ITEMS)  # batched, left-padded
    means = []
    for it, v in zip(ITEMS, verdicts, strict=True):
        dist, mean, mass = hand_scores(
            tiny_judge.model,
            tiny_judge.tokenizer,
            _messages_pointwise(PointwiseJudge(tiny_judge).rubric, it, "logprob"),
        )
        assert v.status == "ok" and v.mode == "logprob"
        assert v.score_mean == pytest.approx(mean, abs=1e-4)
        assert v.distribution == pytest.approx(dist, abs=1e-4)
        assert v.score_mass == pytest.approx(mass, rel=1e-3)
        assert v.score_sd is not None and v.score_sd > 0
        means.append(v.score_mean)
    assert max(means) - min(means) > 0.02  # the perturbed head gives prompt-dependent scores


def test_logprob_mode_is_cached(tiny_judge, tmp_path):
    from evalpipe.metrics.judge import JudgeCache

    cache = JudgeCache(tmp_path / "j.sqlite")
    j = PointwiseJudge(tiny_judge, mode="logprob", cache=cache)
    first = j.score(ITEMS)
    second = j.score(ITEMS)
    assert [v.score_mean for v in first] == pytest.approx([v.score_mean for v in second])
    assert all(v.n_cached == 1 for v in second) and cache.hits == len(ITEMS)


def test_constrained_decoding_always_yields_schema_valid_json(tiny_judge):
    # A random model writes garbage; under the grammar every reply still parses, whatever the
    # prompt, including replies cut off by the reason budget.
    many = [
        JudgeItem(f"q{i} " + "why? " * i, f'answer {i} "quoted" \\ back\nslash', item_id=str(i))
        for i in range(9)
    ]
    for max_reason in (1, 10):
        tiny_judge.max_reason_tokens = max_reason
        replies = tiny_judge.complete_constrained(
            [_messages_pointwise(PointwiseJudge(tiny_judge).rubric, it) for it in ITEMS + many]
        )
        for r in replies:
            value = json.loads(r.text)
            jsonschema.validate(value, POINTWISE_SCHEMA)
            assert parse_pointwise(r.text)[2] == "ok"
    tiny_judge.max_reason_tokens = 10
    verdicts = PointwiseJudge(tiny_judge, mode="constrained").score(ITEMS)
    assert all(v.status == "ok" and v.score_mean in (1, 2, 3, 4, 5) for v in verdicts)


def test_constrained_score_is_the_masked_argmax(tiny_judge):
    tok, model = tiny_judge.tokenizer, tiny_judge.model
    msgs = _messages_pointwise(PointwiseJudge(tiny_judge).rubric, ITEMS[2])
    [reply] = tiny_judge.complete_constrained([msgs])
    prefix = tok('{"score": ', add_special_tokens=False)["input_ids"]
    ids = torch.tensor([tiny_judge.encode(msgs) + prefix])
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0, -1]
    digit_ids = [tok(d, add_special_tokens=False)["input_ids"][0] for d in SCORE_LABELS]
    expected = 1 + int(torch.argmax(logits[digit_ids]))
    assert json.loads(reply.text)["score"] == expected


def test_json_mode_on_the_tiny_model_fails_to_parse(tiny_judge):
    # The motivating failure: free generation from a model that cannot write JSON.
    verdicts = PointwiseJudge(tiny_judge, mode="json").score(ITEMS[:2])
    assert all(v.status == "parse_failure" for v in verdicts)


def test_pairwise_logprob_on_the_tiny_model_matches_hand_computation(tiny_judge):
    tok, model = tiny_judge.tokenizer, tiny_judge.model
    pair = PairItem("How much is Team?", "Team is $29 per user.", "Team is $39 per user.", item_id="p")
    [v] = PairwiseJudge(tiny_judge, mode="logprob").compare([pair])
    from evalpipe.metrics.judge import _messages_pairwise

    def p_first(first, second):
        text = tok.apply_chat_template(
            _messages_pairwise(PairwiseJudge(tiny_judge).rubric, pair, first, second, "logprob"),
            tokenize=False,
            add_generation_prompt=True,
        )
        with torch.no_grad():
            p = torch.softmax(
                model(input_ids=torch.tensor([tok(text, add_special_tokens=False)["input_ids"]])).logits[
                    0, -1
                ],
                -1,
            )
        a = sum(float(p[i]) for i in option_token_ids(tok, "A"))
        b = sum(float(p[i]) for i in option_token_ids(tok, "B"))
        return a / (a + b)

    assert v.p_first_ab == pytest.approx(p_first(pair.answer_a, pair.answer_b), abs=1e-4)
    assert v.p_first_ba == pytest.approx(p_first(pair.answer_b, pair.answer_a), abs=1e-4)
    assert v.p_a == pytest.approx((v.p_first_ab + 1 - v.p_first_ba) / 2)
    assert v.status == "ok" and v.winner in ("A", "B", "tie")


# ---------------------------------------------------------------------------------------------- real model


@pytest.fixture(scope="module")
def real_judge():
    try:
        return LocalModelJudgeClient.from_system(max_reason_tokens=16)
    except Exception as exc:  # the model package is part of the install; say so if it is missing
        pytest.fail(f"default judge model unavailable: {exc}")


@pytest.mark.slow
def test_real_model_logprob_hand_computation_and_constrained_json(real_judge):
    verdicts = PointwiseJudge(real_judge, mode="logprob").score(ITEMS[:3])
    for it, v in zip(ITEMS[:3], verdicts, strict=True):
        dist, mean, _ = hand_scores(
            real_judge.model,
            real_judge.tokenizer,
            _messages_pointwise(PointwiseJudge(real_judge).rubric, it, "logprob"),
        )
        assert v.status == "ok" and v.score_mean == pytest.approx(mean, abs=1e-3)
        assert v.distribution == pytest.approx(dist, abs=1e-3)
    for r in real_judge.complete_constrained(
        [_messages_pointwise(PointwiseJudge(real_judge).rubric, it) for it in ITEMS]
    ):
        jsonschema.validate(json.loads(r.text), POINTWISE_SCHEMA)
    [pv] = PairwiseJudge(real_judge, mode="logprob").compare(
        [PairItem("How much is Team?", "Team is $29 per user.", "Team is $39 per user.")]
    )
    assert pv.status == "ok" and 0 < pv.p_first_ab < 1 and 0 < pv.p_first_ba < 1
