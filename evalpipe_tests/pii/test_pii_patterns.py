"""Each detector: positives in every supported shape, and the near-misses that must not fire."""

import pytest

from evalpipe.pii.patterns import (
    ALL_FINDERS,
    find_addresses,
    find_cards,
    find_first_names,
    find_ibans,
    find_ips,
    find_phones,
    find_secrets,
    find_ssns,
)
from evalpipe.pii.validators import card_brand, iban_ok, luhn_ok, shannon_entropy


def _complete(prefix: str, n: int) -> str:
    body = (prefix + "1234567890123456789")[: n - 1]
    for d in "0123456789":
        if luhn_ok(body + d):
            return body + d
    raise AssertionError


def spans(finder, text):
    """Matched substrings after merging overlaps (as the scrubber does)."""
    merged = []
    for h in sorted(finder(text), key=lambda h: (h.start, -h.end)):
        if merged and h.start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], h.end)
        else:
            merged.append([h.start, h.end])
    return [text[a:b] for a, b in merged]


CARDS = [
    ("4", 13),
    ("4", 16),
    ("4", 19),
    ("51", 16),
    ("55", 16),
    ("2221", 16),
    ("2720", 16),
    ("34", 15),
    ("37", 15),
    ("6011", 16),
    ("65", 19),
    ("3528", 16),
    ("36", 14),
    ("6759", 12),
    ("6304", 19),
    ("62", 17),
]


@pytest.mark.parametrize(("prefix", "n"), CARDS)
def test_cards_every_brand_and_length(prefix, n):
    num = _complete(prefix, n)
    assert card_brand(num)
    spaced = " ".join(num[i : i + 4] for i in range(0, n, 4))
    dashed = spaced.replace(" ", "-")
    for shown in (num, spaced, dashed):
        assert spans(find_cards, f"card: {shown}, thanks") == [shown]


def test_card_followed_by_expiry_digits_keeps_exact_span():
    text = "pay with 4111 1111 1111 1111 12 25 please"
    assert spans(find_cards, text) == ["4111 1111 1111 1111"]


def test_card_near_misses():
    bad = "4111 1111 1111 1112"  # Luhn fails
    assert not luhn_ok(bad.replace(" ", ""))
    assert find_cards(f"card {bad}") == []
    assert find_cards("order 1234567890123456 shipped") == []  # not Luhn-valid
    assert find_cards("tracking 9999 9999 9999 9995") == [] or not card_brand("9999999999999995")
    assert find_cards("uuid 123e4567-e89b-12d3-a456-426614174000") == []
    assert find_cards("amount 1,234,567.89 and version 10.2.4") == []


def test_iban_with_spaces_then_lowercase_word():
    text = "IBAN ES91 2100 0418 4502 0005 1332 please, or DE89370400440532013000."
    assert spans(find_ibans, text) == ["ES91 2100 0418 4502 0005 1332", "DE89370400440532013000"]
    assert spans(find_ibans, "GB82 WEST 1234 5698 7654 32 BIC NWBKGB2L") == ["GB82 WEST 1234 5698 7654 32"]


def test_iban_bad_checksum_and_lowercase_not_flagged():
    assert iban_ok("ES9121000418450200051332")
    assert not iban_ok("ES9121000418450200051333")
    assert find_ibans("IBAN ES91 2100 0418 4502 0005 1333 please") == []
    assert find_ibans("ref AB12 3456 7890 1234 5678") == []  # no such country


SECRETS = [
    "sk-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL",
    "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z_-Ab3dEf6hIj9kLm",
    "sk-ant-api03-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z_-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z",
    "AKIAIOSFODNN7EXAMPLE",
    "ASIAY34FZKBOKMUTVV7A",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "gho_16C7e42F292c6912E7710c838347Ae178B4a",
    "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV",
    "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "xoxp-123456789012-1234567890123-AbCdEfGhIjKl",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
]


@pytest.mark.parametrize("secret", SECRETS)
def test_known_format_secrets(secret):
    assert secret in spans(find_secrets, f"my key is {secret} ok")


def test_auth_headers_pem_and_generic_secrets():
    assert spans(find_secrets, "Authorization: Basic dXNlcjpwYXNzd29yZA==") == ["dXNlcjpwYXNzd29yZA=="]
    assert "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA" in spans(
        find_secrets, "Authorization: Bearer Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA"
    )
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\nabc\n-----END RSA PRIVATE KEY-----"
    assert spans(find_secrets, f"key:\n{pem}\nthanks") == [pem]
    assert spans(find_secrets, '{"api_key": "a8F3kL9qP2xZ7mN4q"}') == ["a8F3kL9qP2xZ7mN4q"]
    assert spans(find_secrets, "password: Summer2024!") == ["Summer2024!"]
    assert spans(find_secrets, "Mot de passe : Soleil2023#") == ["Soleil2023#"]
    assert spans(find_secrets, "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY") == [
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    ]


def test_secret_near_misses():
    for text in [
        "we use sk-learn for this",
        "task-1234 is done",
        "api_key=YOUR_API_KEY",
        "password: ********",
        "password: <SECRET_3f9a21c0>",
        "token: null",
        "commit 3f786850e387550fdab836ed7e6dc881de23001b",
        "id 123e4567-e89b-12d3-a456-426614174000",
        "the api_key is stored in vault",
        "version=1.2.3",
    ]:
        assert find_secrets(text) == [], text
    assert shannon_entropy("aaaaaaaa") == 0.0
    assert shannon_entropy("a8F3kL9qP2xZ7mN4") > 3.5


@pytest.mark.parametrize(
    "phone",
    [
        "+1 (415) 555-0132",
        "(415) 555-0132",
        "415-555-0132",
        "+49 30 12345678",
        "06 12 34 56 78",
        "+34 612 345 678",
        "612 345 678",
        "+33 6 12 34 56 78",
        "+44 20 7946 0958",
        "07700 900123",
        "0049 30 1234567",
    ],
)
def test_phones(phone):
    assert spans(find_phones, f"call me on {phone}, thanks") == [phone]


def test_phone_near_misses():
    for text in [
        "released 2024-05-17",
        "version 1.2.3",
        "order #48213",
        "id 123e4567-e89b-12d3",
        "total 1234567",
        "card 4111 1111 1111 1111",
        "at 14:30:00",
        "ticket 2024 1234",
    ]:
        assert find_phones(text) == [], text


def test_ips_and_near_misses():
    assert spans(find_ips, "from 81.2.69.160 and 2001:db8:85a3::8a2e:370:7334 today") == [
        "81.2.69.160",
        "2001:db8:85a3::8a2e:370:7334",
    ]
    assert spans(find_ips, "egress IP changed to 81.2.69.160.") == ["81.2.69.160"]  # sentence-final period
    for text in [
        "version 1.2.3.4",
        "v1.2.3.4",
        "999.1.1.1",
        "build 10.0.19045.3803",
        "at 12:30:45",
        "127.0.0.1",
    ]:
        assert find_ips(text) == [], text


def test_ssn_and_near_misses():
    assert spans(find_ssns, "SSN 123-45-6789.") == ["123-45-6789"]
    assert spans(find_ssns, "my ssn is 123456789") == ["123456789"]
    for text in [
        "000-12-3456",
        "666-12-3456",
        "123-00-4567",
        "123-45-67890",
        "phone 415-555-0132",
        "2024-05-17",
    ]:
        assert find_ssns(text) == [], text


@pytest.mark.parametrize(
    "addr",
    [
        "1234 Elm Street, Springfield, IL 62704",
        "42 Oak Ave",
        "Calle Mayor 12, 28013 Madrid",
        "Hauptstraße 5, 10115 Berlin",
        "Berliner Straße 12",
        "12 rue de la Paix, 75002 Paris",
        "8 boulevard Saint-Michel, 75005 Paris",
        "Avenida de la Constitución 5, 41001 Sevilla",
    ],
)
def test_addresses(addr):
    assert spans(find_addresses, f"ship to {addr}; thanks") == [addr]


def test_address_near_misses():
    for text in [
        "I walked 5 blocks down the street",
        "Python 3 Way of doing it",
        "see section 4 of the docs",
    ]:
        assert find_addresses(text) == [], text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hi Jeff, thanks", "Jeff"),
        ("Thanks, Maria", "Maria"),
        ("Cheers -- Tom", "Tom"),
        ("Hola Lucía, ¿qué tal?", "Lucía"),
        ("Merci, Julien", "Julien"),
        ("Viele Grüße,\nHeribert Weiß", "Heribert Weiß"),
        ("Gracias, Piedad.", "Piedad"),
        ("Soy Fidela Cerro.", "Fidela Cerro"),
        ('{"customer_name": "Penny Haley"}', "Penny Haley"),
        ("Buenas tardes, Adán. Te paso", "Adán"),
        ("¿Me ayudan?\nCarolina", "Carolina"),
        ("Thanks a lot, Casey Saunders", "Casey Saunders"),
        ("peux-tu rappeler Marthe Blanchard au 06", "Marthe Blanchard"),
        ("I spoke with Daniel Ortiz yesterday", "Daniel Ortiz"),
    ],
)
def test_first_names_in_greetings_and_signoffs(text, name):
    assert name in spans(find_first_names, text)


def test_first_name_near_misses():
    for text in [
        "Hi there, thanks",
        "Thanks again!",
        "Thanks Support team",
        "Hola equipo",
        "Un saludo. Necesito ayuda",
        "Danke! Meine Handynummer",
        "Will you help?",
        "<PERSON_3f9a21c0> said hi",
        "Please call Customer Service today",
        "Thanks.\nSupport",
    ]:
        assert [h for h in find_first_names(text)] == [], text


def test_no_finder_flags_pseudonym_tokens():
    text = (
        "<PERSON_3f9a21c0> <EMAIL_ADDRESS_0a1b2c3d> <CREDIT_CARD_12345678> <PHONE_NUMBER_ffffffff> <SECRET>"
    )
    for finder in ALL_FINDERS.values():
        assert finder(text) == [], finder.__name__


def test_vendor_live_keys_are_secrets_and_residue():
    from evalpipe.pii.patterns import find_secrets
    from evalpipe.pii.residue import scan_residue

    key = "bd_live_0T4lKNSvHxyEaZaxUlDk9UHcljQ1D1FX"
    assert [h.rule for h in find_secrets(f"my key {key} fails")] == ["vendor_live_key"]
    assert not find_secrets("user_test_case and snake_case_identifier_here_long_name")
    assert [f.kind for f in scan_residue([f"key={key}"])] == ["live_key"]
