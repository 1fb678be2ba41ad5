from dataclasses import fields

from evalpipe.pii import residue_known_values, scan_residue


def kinds(texts, **kw):
    return sorted(f.kind for f in scan_residue(texts, **kw))


def test_finds_planted_residue():
    texts = [
        "card 4111-1111-1111-1111 left",
        "iban DE89 3704 0044 0532 0130 00 left",
        "key sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z and AKIAIOSFODNN7EXAMPLE",
        "mail jeff@example.com, ssn 123-45-6789",
        "-----BEGIN PRIVATE KEY-----\nMIIE",
        "token ghp_16C7e42F292c6912E7710c838347Ae178B4a, xoxb-1234567890-abcdefghij",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
    ]
    assert kinds(texts) == sorted(
        [
            "credit_card",
            "iban",
            "openai_or_anthropic_key",
            "aws_access_key_id",
            "email",
            "us_ssn",
            "pem_private_key",
            "github_token",
            "slack_token",
            "jwt",
        ]
    )
    assert [f.index for f in scan_residue(texts[:2])] == [0, 1]


def test_known_values_exact_match_with_word_boundaries():
    known = ["Jeff Smith", "Maria Lopez", "Tom"]  # "Tom" too short to match safely
    assert residue_known_values(known) == ["Jeff Smith", "Maria Lopez"]
    found = scan_residue(
        ["<PERSON_3f9a21c0> met Jeff Smith", "Tomorrow Maria Lopezes", "Tom"], known_values=known
    )
    assert [(f.index, f.kind) for f in found] == [(0, "known_value")]


def test_clean_text_passes():
    clean = [
        "Hi <PERSON_3f9a21c0>, your card <CREDIT_CARD_0a1b2c3d> and <EMAIL_ADDRESS_deadbeef> are on file.",
        "Order 1234567890123456 (not Luhn), uuid 123e4567-e89b-12d3-a456-426614174000, v2.3.14, 2024-05-17",
        "IBAN-like ES91 2100 0418 4502 0005 1333 fails mod-97; phone 415-555-0132; sk-learn is a library",
        "<SECRET> <PERSON> redacted placeholders",
    ]
    assert scan_residue(clean) == []


def test_findings_carry_no_value():
    assert {f.name for f in fields(scan_residue(["jeff@example.com"])[0])} == {
        "index",
        "start",
        "end",
        "kind",
    }
