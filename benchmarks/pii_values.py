"""Value generators for the held-out PII corpus (`pii_heldout.py`): one function per shape.

Written from the public format definitions (ISO 13616 IBAN layout and mod-97, Luhn and the card
brands' IIN ranges, the UK NI and driving-licence layouts, the SSA's SSN rules, providers'
documented token prefixes), not from evalpipe's scrubber or its other corpora.  Every secret is
random bytes in the provider's shape: none is, or was ever, a real credential.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
import re
import string

import phonenumbers

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIGITS = string.digits
ALNUM = string.ascii_letters + DIGITS
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"


def chars(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


# ------------------------------------------------------------------------------ checksums
def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number if d.isdigit()]
    if len(digits) < 12:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_complete(prefix_and_body: str) -> str:
    """Append the Luhn check digit."""
    for c in DIGITS:
        if luhn_ok(prefix_and_body + c):
            return prefix_and_body + c
    raise AssertionError("unreachable")


def iban_ok(iban: str) -> bool:
    s = "".join(ch for ch in iban if ch.isalnum()).upper()
    if len(s) < 15 or not s[:2].isalpha() or not s[2:4].isdigit():
        return False
    moved = s[4:] + s[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


# --------------------------------------------------------------------------------- cards
# brand -> (IIN prefixes, lengths, grouping).  Ranges from the brands' published IIN tables.
CARD_BRANDS: dict[str, tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...] | None]] = {
    "visa": (("4",), (16, 13, 19), None),
    "mastercard": (("51", "52", "53", "54", "55", "2221", "2345", "2720"), (16,), None),
    "amex": (("34", "37"), (15,), (4, 6, 5)),
    "discover": (("6011", "644", "649", "65"), (16,), None),
    "jcb": (("3528", "3540", "3589"), (16,), None),
    "diners": (("36", "38", "300", "305"), (14,), (4, 6, 4)),
    "unionpay": (("62",), (16, 17, 18, 19), None),
    "maestro": (("6759", "6761", "5018", "5020", "5038"), (12, 13, 16, 18, 19), None),
    "rupay": (("60", "6521", "6522", "81", "82", "508"), (16,), None),
    "mir": (("2200", "2201", "2202", "2203", "2204"), (16,), None),
    "troy": (("9792",), (16,), None),
    "elo": (("4011", "4389", "5067", "6277"), (16,), None),
}
CARD_STYLES = ("spaces", "compact", "dashes", "double_space", "nbsp", "dots", "spaced_dash")


def card_number(rng: random.Random, brand: str) -> str:
    prefixes, lengths, _ = CARD_BRANDS[brand]
    p = rng.choice(prefixes)
    n = rng.choice(lengths)
    return luhn_complete(p + chars(rng, DIGITS, n - len(p) - 1))


def group(s: str, sizes: tuple[int, ...] | None, width: int = 4) -> list[str]:
    out, i = [], 0
    if sizes:
        for k in sizes:
            out.append(s[i : i + k])
            i += k
    while i < len(s):
        out.append(s[i : i + width])
        i += width
    return [g for g in out if g]


SEPARATORS = {
    "spaces": " ",
    "compact": "",
    "dashes": "-",
    "double_space": "  ",
    "nbsp": "\u00a0",
    "dots": ".",
    "spaced_dash": " - ",
    "thin_space": "\u2009",
}


def format_card(number: str, brand: str, style: str) -> str:
    return SEPARATORS[style].join(group(number, CARD_BRANDS[brand][2]))


# --------------------------------------------------------------------------------- IBANs
# country -> BBAN layout: n digits, a upper letters, c alphanumerics (ISO 13616 registry).
IBAN_LAYOUT = {
    "DE": "18n",
    "NL": "4a10n",
    "FR": "10n11c2n",
    "ES": "20n",
    "GB": "4a14n",
    "IT": "1a10n12c",
    "PL": "24n",
    "BE": "12n",
    "AT": "16n",
    "CH": "5n12c",
    "IE": "4a14n",
    "PT": "21n",
}
IBAN_STYLES = (
    "groups",
    "compact",
    "double_space",
    "nbsp",
    "dots",
    "spaced_dash",
    "lower_groups",
    "lower_compact",
)


def iban(rng: random.Random, country: str) -> str:
    bban = []
    num = ""
    for ch in IBAN_LAYOUT[country]:
        if ch.isdigit():
            num += ch
            continue
        k, num = int(num), ""
        alphabet = {"n": DIGITS, "a": UPPER, "c": UPPER + DIGITS}[ch]
        bban.append(chars(rng, alphabet, k))
    b = "".join(bban)
    moved = b + country + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
    return f"{country}{check:02d}{b}"


def format_iban(value: str, style: str) -> str:
    groups = group(value, None)
    if style == "groups":
        return " ".join(groups)
    if style == "compact":
        return value
    if style == "lower_groups":
        return " ".join(groups).lower()
    if style == "lower_compact":
        return value.lower()
    return SEPARATORS[style].join(groups)


# -------------------------------------------------------------------------------- phones
PHONE_REGIONS = {
    "de_DE": "DE",
    "nl_NL": "NL",
    "fr_FR": "FR",
    "es_ES": "ES",
    "en_GB": "GB",
    "en_IN": "IN",
    "ja_JP": "JP",
    "en_AU": "AU",
    "it_IT": "IT",
    "pl_PL": "PL",
    "en_US": "US",
    "pt_BR": "BR",
    "ru_RU": "RU",
    "zh_CN": "CN",
    "ko_KR": "KR",
    "hi_IN": "IN",
    "ar_AA": "AE",
}
PHONE_STYLES = ("national", "international", "e164", "parentheses", "bare", "extension", "dotted")
EXT_WORDS = ("ext. ", "x", " ext ", " extension ", " Durchwahl ", " poste ", " int. ", " wew. ")


def phone_number(rng: random.Random, region: str) -> phonenumbers.PhoneNumber:
    """A random number that `phonenumbers` considers valid for the region."""
    kind = rng.choice((phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE))
    ex = phonenumbers.example_number_for_type(region, kind) or phonenumbers.example_number(region)
    nsn = str(ex.national_number)
    for _ in range(200):
        keep = max(2, len(nsn) - 6)
        cand = nsn[:keep] + chars(rng, DIGITS, len(nsn) - keep)
        num = phonenumbers.parse("+" + str(ex.country_code) + cand)
        if phonenumbers.is_valid_number(num):
            return num
    return ex


def format_phone(rng: random.Random, num: phonenumbers.PhoneNumber, style: str) -> str:
    fmt = phonenumbers.PhoneNumberFormat
    national = phonenumbers.format_number(num, fmt.NATIONAL)
    if style == "national":
        return national
    if style == "international":
        return phonenumbers.format_number(num, fmt.INTERNATIONAL)
    if style == "e164":
        return phonenumbers.format_number(num, fmt.E164)
    if style == "parentheses":
        if national.startswith("("):
            return national
        m = re.match(r"^(\d+)[ -](.+)$", national)
        return f"({m.group(1)}) {m.group(2)}" if m else f"({national[:3]}) {national[3:]}"
    if style == "bare":
        return "".join(ch for ch in national if ch.isdigit())
    if style == "dotted":
        return ".".join(national.replace("(", "").replace(")", "").replace("-", " ").split())
    # extension: national form plus 3-5 digits behind an extension marker
    ext = chars(rng, DIGITS[1:], 1) + chars(rng, DIGITS, rng.randint(2, 4))
    return f"{national}{rng.choice(EXT_WORDS)}{ext}"


# -------------------------------------------------------------------- national identifiers
def us_ssn(rng: random.Random, style: str) -> str:
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            break
    g, s = rng.randint(1, 99), rng.randint(1, 9999)
    sep = {"dashes": "-", "compact": "", "spaces": " "}[style]
    return f"{area:03d}{sep}{g:02d}{sep}{s:04d}"


_NI_BAD_FIRST, _NI_BAD_SECOND = set("DFIQUV"), set("DFIQUVO")
_NI_BAD_PAIRS = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def uk_ni(rng: random.Random, spaced: bool) -> str:
    while True:
        a, b = rng.choice(UPPER), rng.choice(UPPER)
        if a not in _NI_BAD_FIRST and b not in _NI_BAD_SECOND and a + b not in _NI_BAD_PAIRS:
            break
    d = chars(rng, DIGITS, 6)
    suffix = rng.choice("ABCD")
    if spaced:
        return f"{a}{b} {d[:2]} {d[2:4]} {d[4:]} {suffix}"
    return f"{a}{b}{d}{suffix}"


def passport(rng: random.Random, country: str) -> str:
    if country in ("US", "GB", "AU"):
        return chars(rng, DIGITS[1:], 1) + chars(rng, DIGITS, 8)
    if country == "DE":
        return rng.choice("CFGHJK") + chars(rng, "CFGHJKLMNPRTVWXYZ0123456789", 8)
    if country == "FR":
        return chars(rng, DIGITS, 2) + chars(rng, UPPER, 2) + chars(rng, DIGITS, 5)
    if country == "IN":
        return rng.choice("JKLMNPRSTUVWZ") + chars(rng, DIGITS, 7)
    if country == "NL":
        return (
            chars(rng, "ABCDEFGHIJKLMNPRSTUVWXYZ", 2)
            + chars(rng, "ABCDEFGHJKLMNPRSTUVWXYZ0123456789", 6)
            + rng.choice(DIGITS)
        )
    if country == "JP":
        return rng.choice(("TK", "TR", "MZ", "TZ")) + chars(rng, DIGITS, 7)
    if country == "ES":
        return chars(rng, UPPER, 3) + chars(rng, DIGITS, 6)
    return chars(rng, UPPER, 2) + chars(rng, DIGITS, 7)  # PL, IT and others


def uk_driving_licence(rng: random.Random, surname: str, first: str, dob: dt.date, female: bool) -> str:
    letters = "".join(ch for ch in surname.upper() if ch in UPPER)[:5].ljust(5, "9")
    month = dob.month + (50 if female else 0)
    core = f"{letters}{str(dob.year)[2]}{month:02d}{dob.day:02d}{str(dob.year)[3]}"
    initials = (first[:1] + "9").upper()
    return f"{core}{initials}9{chars(rng, UPPER, 2)}"


def driving_licence(rng: random.Random, country: str) -> str:
    if country == "US":
        return rng.choice(UPPER) + chars(rng, DIGITS, 7)  # California style
    if country == "DE":
        return (
            rng.choice("BJ") + chars(rng, DIGITS, 3) + chars(rng, UPPER + DIGITS, 6) + chars(rng, DIGITS, 1)
        )
    if country == "AU":
        return chars(rng, DIGITS, 8)
    if country == "IN":
        return f"{rng.choice(('MH', 'KA', 'DL', 'TN'))}{rng.randint(1, 50):02d} {rng.randint(2005, 2022)}{chars(rng, DIGITS, 7)}"
    return chars(rng, DIGITS, 12)  # FR permis number


def es_dni(rng: random.Random) -> str:
    n = rng.randint(10_000_000, 99_999_999)
    return f"{n}{'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}"


def nl_bsn(rng: random.Random) -> str:
    while True:
        d = chars(rng, DIGITS, 8)
        s = sum(int(x) * w for x, w in zip(d, range(9, 1, -1), strict=True))
        last = s % 11
        if last < 10 and d[0] != "0":
            return d + str(last)


def pl_pesel(rng: random.Random, dob: dt.date) -> str:
    month = dob.month + (20 if dob.year >= 2000 else 0)
    d = f"{dob.year % 100:02d}{month:02d}{dob.day:02d}" + chars(rng, DIGITS, 4)
    w = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    return d + str((10 - sum(int(x) * k for x, k in zip(d, w, strict=True)) % 10) % 10)


def in_aadhaar(rng: random.Random) -> str:
    d = rng.choice("23456789") + chars(rng, DIGITS, 11)
    return f"{d[:4]} {d[4:8]} {d[8:]}"


def in_pan(rng: random.Random) -> str:
    return (
        chars(rng, UPPER, 3)
        + rng.choice("PCHFAT")
        + chars(rng, UPPER, 1)
        + chars(rng, DIGITS, 4)
        + chars(rng, UPPER, 1)
    )


def it_codice_fiscale(rng: random.Random) -> str:
    return (
        chars(rng, UPPER, 6)
        + chars(rng, DIGITS, 2)
        + rng.choice("ABCDEHLMPRST")
        + chars(rng, DIGITS, 2)
        + rng.choice(UPPER)
        + chars(rng, DIGITS, 3)
        + rng.choice(UPPER)
    )


def dob_date(rng: random.Random) -> dt.date:
    return dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 53))


MONTHS_EN = ("January February March April May June July August September October November December").split()


def format_dob(d: dt.date, style: str) -> str:
    return {
        "iso": d.isoformat(),
        "dmy_dot": f"{d.day:02d}.{d.month:02d}.{d.year}",
        "dmy_slash": f"{d.day:02d}/{d.month:02d}/{d.year}",
        "mdy_slash": f"{d.month:02d}/{d.day:02d}/{d.year}",
        "long_en": f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}",
        "us_long": f"{MONTHS_EN[d.month - 1]} {d.day}, {d.year}",
        "ja": f"{d.year}年{d.month}月{d.day}日",
        "dmy_dash": f"{d.day:02d}-{d.month:02d}-{d.year}",
    }[style]


# ------------------------------------------------------------------------------- network
def ipv4(rng: random.Random) -> str:
    while True:
        a = rng.randint(1, 223)
        if a not in (10, 127, 169, 172, 192, 100):
            return f"{a}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def ipv6(rng: random.Random) -> str:
    return f"2{rng.randint(1, 0xFFF):03x}:" + ":".join(f"{rng.randint(0, 0xFFFF):x}" for _ in range(7))


def mac(rng: random.Random, style: str) -> str:
    b = [rng.randint(0, 255) for _ in range(6)]
    b[0] &= 0xFC
    if style == "colon":
        return ":".join(f"{x:02x}" for x in b)
    if style == "dash_upper":
        return "-".join(f"{x:02X}" for x in b)
    h = "".join(f"{x:02x}" for x in b)  # Cisco dotted
    return f"{h[:4]}.{h[4:8]}.{h[8:]}"


# ------------------------------------------------------------------------------- secrets
def _b64_block(rng: random.Random, nbytes: int, width: int = 64) -> str:
    s = base64.b64encode(rng.randbytes(nbytes)).decode()
    return "\n".join(s[i : i + width] for i in range(0, len(s), width))


def _jwt(rng: random.Random) -> str:
    def enc(b: bytes) -> str:
        return base64.urlsafe_b64encode(b).decode().rstrip("=")

    header = enc(b'{"alg":"HS256","typ":"JWT"}')
    sub = chars(rng, DIGITS, 8)
    payload = enc(
        f'{{"sub":"{sub}","iat":{rng.randint(1_700_000_000, 1_790_000_000)},"scope":"read write"}}'.encode()
    )
    return f"{header}.{payload}.{enc(rng.randbytes(32))}"


# kind -> generator returning the token exactly as it is pasted.
SIMPLE_SECRETS = {
    "aws_access_key_id": lambda r: "AKIA" + chars(r, UPPER + "234567", 16),
    "aws_secret_access_key": lambda r: chars(r, ALNUM + "/+", 40),
    "gcp_api_key": lambda r: "AIza" + chars(r, B64URL, 35),
    "azure_client_secret": lambda r: chars(r, ALNUM, 3) + "8Q~" + chars(r, ALNUM + "_-.~", 34),
    "huggingface": lambda r: "hf_" + chars(r, string.ascii_letters, 34),
    "gitlab_pat": lambda r: "glpat-" + chars(r, B64URL, 20),
    "npm": lambda r: "npm_" + chars(r, ALNUM, 36),
    "sendgrid": lambda r: "SG." + chars(r, B64URL, 22) + "." + chars(r, B64URL, 43),
    "twilio_auth_token": lambda r: chars(r, HEX, 32),
    "twilio_api_key": lambda r: "SK" + chars(r, HEX, 32),
    "mailgun": lambda r: "key-" + chars(r, HEX, 32),
    "telegram_bot": lambda r: f"{r.randint(100_000_000, 7_999_999_999)}:AA" + chars(r, B64URL, 33),
    "stripe_secret": lambda r: r.choice(("sk_live_", "rk_live_")) + chars(r, ALNUM, 24 + 8 * r.randint(0, 9)),
    "stripe_webhook_secret": lambda r: "whsec_" + chars(r, ALNUM, 32),
    "slack_bot_token": lambda r: (
        f"xoxb-{r.randint(10**10, 10**12)}-{r.randint(10**10, 10**12)}-" + chars(r, ALNUM, 24)
    ),
    "slack_webhook": lambda r: (
        "https://hooks.slack.com/services/T"
        + chars(r, UPPER + DIGITS, 8)
        + "/B"
        + chars(r, UPPER + DIGITS, 10)
        + "/"
        + chars(r, ALNUM, 24)
    ),
    "github_pat": lambda r: "ghp_" + chars(r, ALNUM, 36),
    "github_fine_grained": lambda r: "github_pat_" + chars(r, ALNUM, 22) + "_" + chars(r, ALNUM, 59),
    "openai": lambda r: "sk-proj-" + chars(r, B64URL, 48) + "T3BlbkFJ" + chars(r, B64URL, 48),
    "anthropic": lambda r: "sk-ant-api03-" + chars(r, B64URL, 93) + "AA",
    "jwt": _jwt,
    "pypi": lambda r: "pypi-AgEIcHlwaS5vcmc" + chars(r, B64URL, 60),
    "digitalocean": lambda r: "dop_v1_" + chars(r, HEX, 64),
    "shopify": lambda r: "shpat_" + chars(r, HEX, 32),
    "datadog_api_key": lambda r: chars(r, HEX, 32),
    "generic_api_key": lambda r: chars(r, ALNUM, r.choice((32, 40))),
    "webhook_signing_secret": lambda r: chars(r, HEX, 64),
}

PASSWORD_WORDS = (
    "Tulpen",
    "Sonnenblume",
    "Fietsband",
    "Croissant",
    "Paella",
    "Biscuit",
    "Kangaroo",
    "Espresso",
    "Pierogi",
    "Monsoon",
    "Sakura",
    "Gelato",
    "Harbour",
    "Lighthouse",
    "Marmite",
    "Zebra",
)


def password(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{rng.choice(PASSWORD_WORDS)}{rng.randint(10, 9999)}{rng.choice('!?#$%&*')}"
    return (
        chars(rng, ALNUM, rng.randint(3, 6)) + rng.choice("!@#%^&*") + chars(rng, ALNUM, rng.randint(6, 12))
    )


def pem_private_key(rng: random.Random) -> tuple[str, str]:
    """(full PEM, body only)."""
    label = rng.choice(("RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"))
    body = _b64_block(rng, rng.choice((120, 240, 360)), 64 if "OPENSSH" not in label else 70)
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----", body


def putty_ppk(rng: random.Random, comment: str) -> tuple[str, list[str]]:
    pub = _b64_block(rng, 51, 64)
    priv = _b64_block(rng, 48, 64)
    mac_hex = chars(rng, HEX, 64)
    text = (
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n"
        f"Comment: {comment}\nPublic-Lines: {pub.count(chr(10)) + 1}\n{pub}\n"
        f"Private-Lines: {priv.count(chr(10)) + 1}\n{priv}\nPrivate-MAC: {mac_hex}"
    )
    return text, [priv, mac_hex]


def ssh2_private(rng: random.Random, comment: str) -> tuple[str, str]:
    body = _b64_block(rng, 300, 70)
    return (
        f'---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: "{comment}"\n{body}\n'
        "---- END SSH2 ENCRYPTED PRIVATE KEY ----",
        body,
    )


def azure_storage_connection(rng: random.Random, account: str) -> tuple[str, str]:
    key = base64.b64encode(rng.randbytes(64)).decode()
    return (
        f"DefaultEndpointsProtocol=https;AccountName={account};AccountKey={key};EndpointSuffix=core.windows.net",
        key,
    )


def twilio_account_sid(rng: random.Random) -> str:
    return "AC" + chars(rng, HEX, 32)
