"""Deterministic fake PII values for the sample production logs.

Everything here is produced from a caller-supplied `random.Random`, never from Faker or any
library whose output can change between versions: the shipped logs must be reproducible byte
for byte by the generator.  Checksummed values (cards, IBANs) are valid so that checksum-based
detectors are exercised for real.
"""

from __future__ import annotations

import random
import string

FIRST_NAMES = {
    "en": [
        "James",
        "Mary",
        "Robert",
        "Patricia",
        "Jennifer",
        "Michael",
        "Linda",
        "David",
        "Emily",
        "Daniel",
        "Sarah",
        "Kevin",
        "Jessica",
        "Brian",
        "Laura",
        "Jeff",
        "Olivia",
        "Ethan",
        "Grace",
        "Tom",
        "Hannah",
        "Ryan",
        "Megan",
        "Priya",
        "Wei",
        "Aisha",
        "Connor",
        "Chloe",
        "Marcus",
    ],
    "es": ["María", "José", "Lucía", "Carlos", "Sofía", "Javier", "Carmen", "Diego", "Elena", "Pablo"],
    "de": ["Lukas", "Anna", "Jonas", "Lena", "Felix", "Marie", "Paul", "Katharina", "Jürgen", "Sabine"],
    "fr": ["Julien", "Camille", "Léa", "Hugo", "Chloé", "Antoine", "Manon", "Théo", "Élodie", "Nicolas"],
    "pt": ["João", "Ana", "Pedro", "Beatriz"],
    "it": ["Giulia", "Marco", "Francesca", "Luca"],
    "nl": ["Daan", "Sanne", "Bram", "Fleur"],
}
LAST_NAMES = {
    "en": [
        "Smith",
        "Johnson",
        "Williams",
        "Brown",
        "Miller",
        "Davis",
        "Garcia",
        "Wilson",
        "Anderson",
        "Thompson",
        "Martin",
        "Clark",
        "Lewis",
        "Walker",
        "Young",
        "Patel",
        "Nguyen",
        "O'Brien",
        "Kowalski",
        "Chen",
        "Okafor",
        "Fitzgerald",
        "Reyes",
        "Hughes",
    ],
    "es": ["García", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Ruiz", "Díaz"],
    "de": ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann"],
    "fr": ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Lefèvre"],
    "pt": ["Silva", "Santos", "Oliveira", "Costa"],
    "it": ["Rossi", "Russo", "Ferrari", "Esposito"],
    "nl": ["de Jong", "Jansen", "de Vries", "Bakker"],
}
COMPANIES = [
    "Acme Logistics",
    "Northwind Traders",
    "Globex",
    "Initech",
    "Umbrella Retail",
    "Stark Outdoor",
    "Wayne Foods",
    "Hooli Health",
    "Vandelay Imports",
    "Pied Piper",
    "Soylent Labs",
    "Tyrell Travel",
]
EMAIL_DOMAINS = [
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "proton.me",
    "icloud.com",
    "gmx.de",
    "web.de",
    "orange.fr",
    "hotmail.es",
    "libero.it",
]
STREETS: dict[str, list[str]] = {
    "en": [
        "Elm Street",
        "Oak Avenue",
        "Maple Drive",
        "Pine Road",
        "Cedar Lane",
        "Washington Blvd",
        "Sunset Boulevard",
        "Lake Shore Drive",
    ],
    "es": ["Calle Mayor", "Calle de Alcalá", "Avenida de la Constitución", "Calle Serrano"],
    "de": ["Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Schillerstraße"],
    "fr": ["rue de la Paix", "avenue Victor Hugo", "boulevard Haussmann", "rue Lafayette"],
}
CITIES: dict[str, list[tuple[str, ...]]] = {
    "en": [
        ("Springfield", "IL", "62704"),
        ("Austin", "TX", "78701"),
        ("Portland", "OR", "97205"),
        ("Denver", "CO", "80202"),
        ("Boston", "MA", "02110"),
        ("Seattle", "WA", "98101"),
    ],
    "es": [("Madrid", "28013"), ("Barcelona", "08001"), ("Sevilla", "41004"), ("Valencia", "46002")],
    "de": [("Berlin", "10115"), ("München", "80331"), ("Hamburg", "20095"), ("Köln", "50667")],
    "fr": [("Paris", "75002"), ("Lyon", "69002"), ("Marseille", "13001"), ("Toulouse", "31000")],
}


def _ascii_fold(s: str) -> str:
    table = str.maketrans("áéíóúñüäößàèçâêîôûëïÉÜÖÄ'", "aeiounuaosaecaeioueiEUOA-")
    return s.translate(table).replace("ß", "ss").replace(" ", "")


def person(rng: random.Random, lang: str) -> tuple[str, str]:
    pool = lang if lang in FIRST_NAMES else "en"
    return rng.choice(FIRST_NAMES[pool]), rng.choice(LAST_NAMES[pool])


def email(rng: random.Random, first: str, last: str) -> str:
    f, la = _ascii_fold(first).lower(), _ascii_fold(last).lower()
    style = rng.randrange(4)
    local = [f"{f}.{la}", f"{f[0]}{la}", f"{f}{rng.randrange(10, 99)}", f"{f}_{la}"][style]
    if rng.random() < 0.25:
        company = rng.choice(COMPANIES).split()[0].lower()
        return f"{local}@{company}.com"
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


def phone(rng: random.Random, lang: str) -> str:
    d = lambda n: "".join(str(rng.randrange(10)) for _ in range(n))  # noqa: E731
    if lang == "de":
        return rng.choice([f"+49 30 {d(8)}", f"+49 151 {d(8)}", f"030 {d(7)}"])
    if lang == "fr":
        return rng.choice([f"06 {d(2)} {d(2)} {d(2)} {d(2)}", f"+33 6 {d(2)} {d(2)} {d(2)} {d(2)}"])
    if lang == "es":
        return rng.choice([f"+34 6{d(2)} {d(3)} {d(3)}", f"6{d(2)} {d(3)} {d(3)}"])
    area = rng.choice(["415", "212", "312", "617", "206", "512"])
    return rng.choice(
        [f"+1 ({area}) 555-{d(4)}", f"({area}) 555-{d(4)}", f"{area}-555-{d(4)}", f"+1 {area} 555 {d(4)}"]
    )


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        n = int(ch)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return body + str((10 - total % 10) % 10)


CARD_BRANDS: list[tuple[str, list[str], list[int]]] = [
    ("visa", ["4"], [16, 16, 16, 13, 19]),
    ("mastercard", ["51", "52", "53", "54", "55", "2221", "2500", "2720"], [16]),
    ("amex", ["34", "37"], [15]),
    ("discover", ["6011", "65"], [16]),
    ("jcb", ["3528", "3589"], [16]),
    ("diners", ["36", "300"], [14]),
    ("maestro", ["6759", "5018", "6304"], [12, 16, 19]),
    ("unionpay", ["62"], [16, 19]),
]


def card(rng: random.Random) -> str:
    _, prefixes, lengths = rng.choice(CARD_BRANDS)
    number = _luhn_complete(rng.choice(prefixes), rng.choice(lengths), rng)
    sep = rng.choice(["", " ", "-", " "])
    if not sep:
        return number
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))


def _iban_check(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    digits = "".join(str(int(c, 36)) for c in rearranged)
    return f"{98 - int(digits) % 97:02d}"


IBAN_FORMATS = {
    "DE": [("n", 18)],
    "ES": [("n", 20)],
    "FR": [("n", 10), ("a", 11), ("n", 2)],
    "GB": [("a", 4), ("n", 14)],
    "NL": [("a", 4), ("n", 10)],
    "IT": [("a", 1), ("n", 10), ("a", 12)],
}


def iban(rng: random.Random, country: str | None = None) -> str:
    country = country or rng.choice(sorted(IBAN_FORMATS))
    bban = ""
    for kind, n in IBAN_FORMATS[country]:
        alphabet = string.digits if kind == "n" else string.ascii_uppercase + string.digits
        if kind == "a" and n == 4:
            alphabet = string.ascii_uppercase
        bban += "".join(rng.choice(alphabet) for _ in range(n))
    raw = country + _iban_check(country, bban) + bban
    if rng.random() < 0.5:
        return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))
    return raw


def ipv4(rng: random.Random) -> str:
    first = rng.choice([23, 45, 62, 81, 93, 104, 151, 176, 188, 203])
    return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def ipv6(rng: random.Random) -> str:
    return "2001:db8:" + ":".join(f"{rng.randrange(65536):x}" for _ in range(6))


def ssn(rng: random.Random) -> str:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    return f"{area:03d}-{rng.randrange(1, 100):02d}-{rng.randrange(1, 10000):04d}"


def address(rng: random.Random, lang: str) -> str:
    if lang == "es":
        city, zipc = rng.choice(CITIES["es"])
        return f"{rng.choice(STREETS['es'])} {rng.randrange(1, 120)}, {zipc} {city}"
    if lang == "de":
        city, zipc = rng.choice(CITIES["de"])
        return f"{rng.choice(STREETS['de'])} {rng.randrange(1, 120)}, {zipc} {city}"
    if lang == "fr":
        city, zipc = rng.choice(CITIES["fr"])
        return f"{rng.randrange(1, 120)} {rng.choice(STREETS['fr'])}, {zipc} {city}"
    city, state, zipc = rng.choice(CITIES["en"])
    return f"{rng.randrange(10, 9999)} {rng.choice(STREETS['en'])}, {city}, {state} {zipc}"


def _rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def api_key(rng: random.Random) -> str:
    an = string.ascii_letters + string.digits
    kind = rng.randrange(7)
    if kind == 0:
        return "sk-proj-" + _rand(rng, an + "_-", 48)
    if kind == 1:
        return "sk-ant-api03-" + _rand(rng, an + "_-", 40)
    if kind == 2:
        return "AKIA" + _rand(rng, string.ascii_uppercase + string.digits, 16)
    if kind == 3:
        return "ghp_" + _rand(rng, an, 36)
    if kind == 4:
        return "xoxb-" + "-".join(_rand(rng, string.digits, 11) for _ in range(2)) + "-" + _rand(rng, an, 24)
    if kind == 5:
        return "bd_live_" + _rand(rng, an, 32)  # the product's own key format
    b64 = string.ascii_letters + string.digits + "-_"
    return "eyJhbGciOiJIUzI1NiJ9." + "eyJ" + _rand(rng, b64, 40) + "." + _rand(rng, b64, 43)
