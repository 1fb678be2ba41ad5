import pytest

from evalpipe.metrics.reference import (
    contains,
    exact_match,
    extract_numbers,
    normalize_answer,
    numeric_match,
    token_f1,
)


def test_normalize_squad():
    assert normalize_answer("The  Team plan, costs $29!") == "team plan costs 29"
    assert normalize_answer("An apple a day") == "apple day"
    assert normalize_answer(None) == ""


def test_exact_match():
    assert exact_match("The Team plan.", "team plan") == 1.0
    assert exact_match("Team plans", "team plan") == 0.0
    assert exact_match("", "") == 1.0
    assert exact_match("", "x") == 0.0


def test_token_f1_known_values():
    # pred tokens: team plan is 29 ; ref tokens: team plan costs 29 per user -> 3 common
    assert token_f1("The Team plan is $29", "Team plan costs $29 per user") == pytest.approx(
        2 * (3 / 4) * (3 / 6) / (3 / 4 + 3 / 6)
    )
    assert token_f1("abc", "xyz") == 0.0
    assert token_f1("", "") == 1.0
    assert token_f1("", "something") == 0.0
    assert token_f1("a the an", "") == 1.0  # both normalise to empty


def test_contains_on_token_boundaries():
    assert contains("It costs $29 per user per month.", "$29 per user") == 1.0
    assert contains("It costs $290.", "$29") == 0.0
    assert contains("anything", "") == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "4,860,000",
        "4.86 million",
        "4860000",
        "$4.86M",
        "4 860 000",
        "4.860.000",
        "4,86 Mio",
        "4\u00a0860\u00a0000",
        "EUR 4.860.000,00",
    ],
)
def test_numeric_formats_read_alike(text):
    assert extract_numbers(text) == [pytest.approx(4_860_000)]


def test_numeric_misc():
    assert extract_numbers("Refunds within 14 days, data kept 30 days.") == [14, 30]
    assert extract_numbers("1.5k users and 12.5% off") == [1500, 12.5]
    assert extract_numbers("4.86 m tall") == [4.86]  # a spaced single letter is not a scale
    assert extract_numbers("no numbers here") == []
    assert extract_numbers(None) == []


def test_numeric_match():
    assert numeric_match("Revenue was $4.86M", "4,860,000") == 1.0
    assert numeric_match("Revenue was $4.9M", "4,860,000") == 0.0  # 0.8% off > 0.5% tolerance
    assert numeric_match("Revenue was $4.9M", "4,860,000", rel_tol=0.01) == 1.0
    assert numeric_match("Team is $39", "Team is $29 per user") == 0.0
    assert numeric_match("Starter $12, Team $29", "Starter $12, Team $29, Business $59") == pytest.approx(
        2 / 3
    )
    assert numeric_match("anything", "no number in reference") is None
    assert numeric_match("", "$29") == 0.0
