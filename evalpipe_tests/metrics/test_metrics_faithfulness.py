import pytest

from evalpipe.metrics.faithfulness import (
    NOT_CHECKABLE,
    SUPPORTED,
    UNSUPPORTED,
    faithfulness,
    is_checkable,
    split_claims,
    split_sentences,
)

CONTEXT = [
    "The Team plan costs $29 per user per month. The Business plan costs $59 per user per month.",
    "Refunds are available within 14 days of purchase. After cancellation, data is kept for 30 days.",
]


def test_split_sentences_and_claims():
    assert split_sentences("Hi there! The plan is $29. Questions?\n- bullet one item") == [
        "Hi there!",
        "The plan is $29.",
        "Questions?",
        "bullet one item",
    ]
    assert split_claims("Refunds are available within 14 days and data is kept for 30 days.") == [
        "Refunds are available within 14 days",
        "data is kept for 30 days.",
    ]
    assert split_claims("Cats and dogs.") == ["Cats and dogs."]  # too short to split


def test_checkable():
    assert not is_checkable("Can I help with anything else?")
    assert not is_checkable("Thanks!")
    assert not is_checkable("Hope this helps you out today.")
    assert is_checkable("The Team plan costs $29 per user.")


def test_faithfulness_supported_and_hallucinated_number(bow_embedder):
    ans = (
        "Hi! The Team plan costs $29 per user per month. Refunds are available within 30 days of purchase. "
        "Anything else?"
    )
    r = faithfulness(ans, CONTEXT, bow_embedder, threshold=0.5)
    labels = [c.label for c in r.claims]
    assert labels == [NOT_CHECKABLE, SUPPORTED, UNSUPPORTED, NOT_CHECKABLE]
    assert r.score == pytest.approx(0.5) and r.n_checkable == 2
    assert r.unsupported == [
        "Refunds are available within 30 days of purchase."
    ]  # "30" is in the context, but not in the matching sentence


def test_faithfulness_unrelated_claim(bow_embedder):
    r = faithfulness(
        "Brightdesk has a native iOS app with offline mode.", CONTEXT, bow_embedder, threshold=0.5
    )
    assert r.score == 0.0 and r.claims[0].label == UNSUPPORTED


def test_faithfulness_nothing_checkable_or_no_context(bow_embedder):
    assert faithfulness("Thanks!", CONTEXT, bow_embedder).score is None
    assert faithfulness("", CONTEXT, bow_embedder).score is None
    r = faithfulness("The Team plan costs $29 per user per month.", [], bow_embedder)
    assert r.score == 0.0  # a claim with no context to support it


def test_judge_hook_overrides(bow_embedder):
    r = faithfulness(
        "Brightdesk has a native iOS app with offline mode.",
        CONTEXT,
        bow_embedder,
        judge=lambda claim, ctx: True,
    )
    assert r.score == 1.0
    r2 = faithfulness(
        "The Team plan costs $29 per user per month.",
        CONTEXT,
        bow_embedder,
        threshold=0.5,
        judge=lambda claim, ctx: None,
    )  # None keeps the embedding verdict
    assert r2.score == 1.0


def test_faithfulness_real_model(real_embedder):
    r = faithfulness(
        "After you cancel, your data is kept for 30 days. The Business plan costs $49 per user.",
        CONTEXT,
        real_embedder,
    )
    assert [c.label for c in r.claims] == [SUPPORTED, UNSUPPORTED]
