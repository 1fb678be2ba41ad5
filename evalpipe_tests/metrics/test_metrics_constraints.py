import pytest

from evalpipe.metrics.constraints import (
    check_constraints,
    check_forbidden_terms,
    check_json,
    check_language,
    check_length,
    check_no_pii,
    check_refusal,
    check_required_phrases,
    default_pii_detector,
    detect_language,
    extract_json,
    is_refusal,
    luhn_ok,
    merge_constraints,
)

SCHEMA = {
    "type": "object",
    "required": ["plan", "price"],
    "properties": {"plan": {"type": "string"}, "price": {"type": "number", "minimum": 0}},
}


def test_extract_json_plain_and_fenced_and_chatter():
    assert extract_json('{"a": 1}') == ({"a": 1}, None)
    fenced = 'Here you go:\n```json\n{"plan": "Team", "price": 29}\n```\nAnything else?'
    assert extract_json(fenced) == ({"plan": "Team", "price": 29}, None)
    chatter = 'Sure thing! {"plan": "Team", "price": 29} Let me know if you need more. {not json}'
    assert extract_json(chatter) == ({"plan": "Team", "price": 29}, None)
    assert extract_json("```\n[1, 2]\n```")[0] == [1, 2]
    # a broken first fence falls back to the next block that parses
    assert extract_json('```json\n{"a": \n```\ntext ```json\n{"b": 2}\n```')[0] == {"b": 2}


@pytest.mark.parametrize(
    "text,reason",
    [
        ("", "empty output"),
        ("   ", "empty output"),
        (None, "empty output"),
        ("no json at all", "no JSON value found"),
        ('{"a": 1', "no JSON value found"),
    ],
)
def test_extract_json_failures(text, reason):
    assert extract_json(text) == (None, reason)


def test_check_json_schema():
    assert check_json('```json\n{"plan": "Team", "price": 29}\n```', SCHEMA).passed
    bad = check_json('{"plan": "Team", "price": -1}', SCHEMA)
    assert not bad.passed and "price" in bad.detail
    missing = check_json('{"plan": "Team"}', SCHEMA)
    assert not missing.passed and "'price' is a required property" in missing.detail
    assert not check_json("", SCHEMA).passed


def test_length():
    assert check_length("one two three", {"min_words": 3, "max_words": 5}).passed
    r = check_length("one two", {"min_words": 3})
    assert not r.passed and "2 words < 3" in r.detail
    assert not check_length("", {"min_chars": 1}).passed
    assert not check_length("x" * 11, {"max_chars": 10}).passed


def test_forbidden_terms_word_boundary_case_insensitive():
    assert not check_forbidden_terms("Unlike ZENDESK, we ...", ["Zendesk"]).passed
    assert check_forbidden_terms("zendesking is not a word we ban", ["Zendesk"]).passed
    r = check_forbidden_terms(
        "See ticket TKT-1234 in the help scout queue", ["TKT-", "Help Scout", "Intercom"]
    )
    assert not r.passed and r.detail == "found: TKT-, Help Scout"
    assert check_forbidden_terms("", ["Zendesk"]).passed


def test_required_phrases():
    r = check_required_phrases("Refunds within 14 days.", ["14 days", "contact billing"])
    assert not r.passed and r.value == 0.5 and "contact billing" in r.detail


def test_language_detection_and_match():
    assert detect_language("Wie viel kostet der Team-Plan pro Monat?")[0] == "de"
    assert detect_language("Combien coûte le forfait Team par mois ?")[0] == "fr"
    assert detect_language("ok")[0] is None  # too short to tell
    assert check_language(
        "Der Team-Plan kostet 29 $ pro Nutzer und Monat.", "Wie viel kostet der Team-Plan?"
    ).passed
    r = check_language("The Team plan costs $29 per user per month.", "Wie viel kostet der Team-Plan?")
    assert not r.passed and "answer=en" in r.detail and "expected=de" in r.detail
    assert check_language("Sí, puedes cancelar en cualquier momento.", None, "es").passed
    assert check_language("", "Wie viel kostet der Team-Plan?").passed  # empty answer: not decidable here


@pytest.mark.parametrize(
    "text",
    [
        "I'm sorry, but I can't help with that.",
        "I cannot share other customers' contact details.",
        "Leider kann ich Ihnen dabei nicht helfen.",
        "Je ne peux pas partager ces informations.",
        "Lo siento, pero no puedo ayudar con eso.",
        "Mi dispiace, ma non posso aiutarti.",
        "Desculpe, não posso ajudar com isso.",
        "Ik kan je daar niet mee helpen.",
    ],
)
def test_refusal_detected_multilingual(text):
    assert is_refusal(text)


@pytest.mark.parametrize(
    "text",
    [
        "The Team plan costs $29 per user per month.",
        "You can cancel anytime; after 30 days you cannot restore data.",
        "Der Team-Plan kostet 29 $.",
        "",
        None,
    ],
)
def test_not_refusal(text):
    assert not is_refusal(text)


def test_refusal_expectation():
    assert check_refusal("I can't help with that.", expected=True).passed
    assert not check_refusal("Sure, here is the admin email.", expected=True).passed
    assert not check_refusal("I'm sorry, I can't help with that.", expected=False).passed


def test_pii_default_detector():
    kinds = [
        k
        for k, _ in default_pii_detector(
            "Mail jo.doe@example.com or call +49 30 1234 5678; card 4111 1111 1111 1111."
        )
    ]
    assert kinds == ["EMAIL", "CREDIT_CARD", "PHONE"]
    assert default_pii_detector("Order 1234 5678 9012 3456 costs $29 on 2024-05-01.") == []  # fails Luhn
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


def test_pii_detector_is_pluggable():
    r = check_no_pii("Contact Jane Miller", detector=lambda t: ["PERSON:Jane Miller"] if "Jane" in t else [])
    assert not r.passed and "PERSON:Jane Miller" in r.detail
    assert check_no_pii("all clean").passed


def test_check_constraints_driver_and_merge():
    partition = {"forbidden_terms": ["Zendesk"], "length": {"max_words": 50}, "no_pii": True}
    item = {"forbidden_terms": ["Intercom"], "json": {"schema": SCHEMA}, "language": "match"}
    merged = merge_constraints(partition, item)
    assert merged["forbidden_terms"] == ["Zendesk", "Intercom"]
    text = 'Sure:\n```json\n{"plan": "Team", "price": 29}\n```\nUnlike Intercom, we are cheap.'
    res = {r.name: r for r in check_constraints(text, merged, "How much is the Team plan?")}
    assert set(res) == {"forbidden_terms", "length", "no_pii", "json", "language"}
    assert not res["forbidden_terms"].passed and res["json"].passed and res["no_pii"].passed
    unknown = check_constraints("x", {"mystery": 1})
    assert unknown[0].name == "mystery" and not unknown[0].passed


def test_check_constraints_broken_spec_is_reported():
    res = check_constraints("text", {"length": "not a dict"})
    assert len(res) == 1 and not res[0].passed and res[0].detail.startswith("error:")


def test_refusal_detector_on_shipped_labels():
    # Labellers noted every refusal ("correct refusal", "refuses a benign question", ...): the
    # detector must find exactly those among the 100+ realistic answers.
    from evalpipe.metrics.calibration import load_human_labels

    df = load_human_labels()
    detected = df["answer"].map(is_refusal)
    noted = df["note"].str.contains("refus")
    assert noted.sum() >= 10
    assert (detected == noted).all(), df[detected != noted][["id", "answer"]].to_string()
