"""Held-out labelled corpus of OpenAI-style gateway log lines for the PII benchmark.

    from pii_heldout import build_split
    records = build_split("heldout", n=600, seed=12)   # list[LogRecord]

Each record is one line of the gateway format `evalpipe ingest` reads as `openai` (`request` with
messages, tools and tool calls, `response` or `error`, `retrieved_context`, `feedback`, `tags`,
`metadata`, `user_id`), plus two gold lists: the PII / secret values planted in it (entity type,
the exact string as written, the field it was written into, and the tokens that identify it) and
the benign phrases that a scrubber must leave alone (product and plan names, person-like company
names, browser and OS names, version strings, order numbers, non-birth dates, cities outside
addresses, capitalised common words at the start of sentences, "Bearer" in front of a token).

How this corpus was kept independent of the scrubber's rules
-------------------------------------------------------------
* Written for issue 12 by an engineer who did not read `evalpipe/pii/*`, `evalpipe/synth/*`, the
  template text of `benchmarks/pii_corpus.py` nor any other branch's work; only the canonical
  schema (`evalpipe/logs/schema.py`), the gateway adapter and the public entry point of the
  scrubber (`evalpipe scrub` / `scrub_table`) were looked at.  Templates come from what real
  support, developer and booking assistants log; value shapes (`pii_values.py`) come from the
  public format definitions (ISO 13616, Luhn/IIN tables, NI and DVLA layouts, provider token
  prefixes), with Faker supplying names, streets and cities in 16 locales.
* Two splits from disjoint template families: `dev` (families `dev_*`, for whoever tunes the
  scrubber) and `heldout` (families `ho_*`, to report).  A family is one scenario with its own
  system prompts, phrasings, tools and JSON keys; no sentence frame, tool name or system prompt is
  shared between the splits (a test checks that families, tool names and system-prompt openings
  are disjoint).  Only the value generators and the benign-phrase pools are common, so both
  splits cover every shape.
* Which shapes to cover came from the issue's list of what leaked, not from the scrubber.  While
  writing the corpus, the scrubber's output was looked at on `dev` records only, to check the
  scorer (pii_score.py); of the held-out split only aggregate figures were seen, and no template
  was changed in response to a score.
* The held-out split is for reporting only: look at per-entity figures, never at its records,
  when changing the scrubber; tune on `dev`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass

import pii_values as V
from faker import Faker

# Latin-script locales the log text is written for; non-Latin ones supply names only.
LOCALES = ("de_DE", "nl_NL", "fr_FR", "es_ES", "en_GB", "en_IN", "ja_JP", "en_AU", "it_IT", "pl_PL", "en_US")
NONLATIN_LOCALES = ("ja_JP", "zh_CN", "ru_RU", "ar_AA", "hi_IN", "ko_KR")
COUNTRY = {
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
}
IBAN_COUNTRY = {
    "de_DE": "DE",
    "nl_NL": "NL",
    "fr_FR": "FR",
    "es_ES": "ES",
    "en_GB": "GB",
    "it_IT": "IT",
    "pl_PL": "PL",
}

ENTITIES = (
    "PERSON",
    "ADDRESS",
    "POSTCODE",
    "PHONE",
    "EMAIL",
    "CREDIT_CARD",
    "IBAN",
    "US_SSN",
    "UK_NI",
    "PASSPORT",
    "DRIVING_LICENCE",
    "NATIONAL_ID",
    "DATE_OF_BIRTH",
    "IP_ADDRESS",
    "MAC_ADDRESS",
    "SECRET",
)
SPLITS = ("dev", "heldout", "dev2", "heldout2")
FIELDS = (
    "system",
    "user",
    "assistant",
    "tool_args",
    "tool_result",
    "context",
    "error",
    "feedback",
    "metadata",
    "user_id",
    "tags",
)


@dataclass(frozen=True)
class Gold:
    entity: str
    value: str  # exactly as written in the record
    field: str  # one of FIELDS
    kind: str = ""  # shape or provider, e.g. "nbsp", "rupay", "gitlab_pat"
    tokens: tuple[str, ...] = ()  # identifying pieces checked on their own (partial leaks)


@dataclass(frozen=True)
class Benign:
    phrase: str
    field: str


@dataclass
class LogRecord:
    split: str
    family: str
    line: dict
    gold: list[Gold]
    benign: list[Benign]


# ----------------------------------------------------------------------------- tokens
# Generic words inside planted values that identify nobody (street types, mail hosts, TLDs, months).
STOP_TOKENS = {
    w.casefold()
    for w in """street str straße strasse weg ring platz allee gasse road rd lane ln avenue ave close crescent
    gardens drive court way place terrace pde parade cres rue chemin boulevard avenue impasse allée place de la
    le les du des calle avenida plaza paseo acceso vial via viale piazza corso vicolo borgo rotonda ul ulica
    al aleja plac osiedle apt apartment appartamento flat suite unit floor house apartments nagar road marg
    colony sector block the and van der den ter von zu del della di dot at com net org co uk info mail email
    gmail googlemail yahoo hotmail outlook live icloud web gmx orange free ziggo libero interia proton
    protonmail yandex wanadoo kpn xs4all planet telfort example ext extension durchwahl poste int wew tel
    nsw vic qld tas act wa sa nt january february march april may june july august september october november
    december 丁目 番 号 号室""".split()
}
_TOKEN_RE = re.compile(r"[^\W\d_]+|\d+")
_SEGMENT_RE = re.compile(r"[A-Za-z0-9]+")


def _nonlatin(s: str) -> bool:
    return any(ord(ch) > 0x24F and ch.isalpha() for ch in s)


def identifying_tokens(entity: str, value: str) -> tuple[str, ...]:
    """Pieces of a value that identify it on their own: what a partial mask must not leave behind."""
    if entity == "SECRET":
        segs = [
            s
            for s in _SEGMENT_RE.findall(value)
            if len(s) >= 6 and (any(c.isdigit() for c in s) or (s != s.lower() and s != s.upper()))
        ]
        return tuple(dict.fromkeys(segs))
    if entity in ("IP_ADDRESS", "MAC_ADDRESS"):
        return tuple(dict.fromkeys(s for s in _SEGMENT_RE.findall(value) if len(s) >= 3))
    if _nonlatin(value):  # scripts with combining marks or no spaces: whitespace-separated words
        words = [w.strip(".,()/-") for w in value.split()] + re.findall(r"\d{3,}", value)
        return tuple(dict.fromkeys(w for w in words if len(w) >= 2 and w.casefold() not in STOP_TOKENS))
    out = [t for t in _TOKEN_RE.findall(value) if len(t) >= 3 and t.casefold() not in STOP_TOKENS]
    # mixed letter-digit pieces too ("SA51", "P6937852"): a postcode or document number half left behind
    out += [s for s in _SEGMENT_RE.findall(value) if len(s) >= 3 and not s.isalpha() and not s.isdigit()]
    return tuple(dict.fromkeys(out))


# --------------------------------------------------------------------------- benign pools
PRODUCTS = (
    "Dark Mode",
    "Pro plan",
    "Team plan",
    "Enterprise tier",
    "Starter bundle",
    "Family Sharing",
    "Smart Reply",
    "Focus Mode",
    "Offline Maps",
    "Auto-Renew",
    "Priority Support",
    "Business Premium",
)
COMPANIES = (
    "Acme Cloud",
    "Jira Cloud",
    "Charles Schwab",
    "Wells Fargo",
    "Morgan Stanley",
    "Marks & Spencer",
    "Johnson & Johnson",
    "Goldman Sachs",
    "Tim Hortons",
    "Harley-Davidson",
    "Ernst & Young",
    "Procter & Gamble",
    "Deutsche Bahn",
    "Albert Heijn",
    "Leroy Merlin",
    "El Corte Inglés",
    "Dell Technologies",
)
BROWSERS = (
    "Chrome 131",
    "Safari 17.4",
    "Firefox 128 ESR",
    "Chrome on Android 14",
    "Edge 130 on Windows 11 Pro",
)
SOFTWARE = (
    "Android 14",
    "Chrome 131",
    "Safari 17.4",
    "Firefox 128 ESR",
    "Windows 11 Pro",
    "macOS Sonoma 14.6",
    "iOS 17.5.1",
    "Microsoft Teams",
    "Google Sheets",
    "Apple Pay",
    "Google Pay",
    "PayPal",
    "WhatsApp",
)
CITY_CONTEXT = (
    "our Berlin office",
    "the Amsterdam data centre",
    "the Paris region",
    "eu-west-1 (Ireland)",
    "the Madrid warehouse",
    "Sydney time",
    "the Mumbai support hub",
    "the Tokyo region",
    "the Warsaw team",
    "the Milan showroom",
    "London Heathrow",
)
TECH = (
    "HTTP 401 Unauthorized",
    "ERR_SSL_PROTOCOL_ERROR",
    "gpt-4o-mini",
    "eu-central-1",
    "UTF-8",
    "OAuth 2.0",
    "SAML SSO",
    "2FA",
    "Error 0x80070005",
    "TLS 1.3",
    "HTTP 429 Too Many Requests",
)
NONLATIN_BENIGN = (
    "ありがとうございます",
    "よろしくお願いします",
    "Спасибо за помощь",
    "谢谢你的帮助",
    "धन्यवाद",
)


def version_string(rng: random.Random) -> str:
    a, b, c, d = rng.randint(1, 12), rng.randint(0, 20), rng.randint(0, 30), rng.randint(1, 99)
    return rng.choice(
        (
            f"firmware {a}.{b}.{c}.{d}",
            f"version {a}.{b}.{c}",
            f"build 10.0.{19000 + b * 7}.{3000 + d}",
            f"v{a}.{b}.{c}",
        )
    )


def order_ref(rng: random.Random) -> str:
    return rng.choice(
        (
            f"order #{rng.randint(100000, 999999)}",
            f"ORD-2026-{rng.randint(100000, 999999)}",
            f"INV-{rng.randint(10000, 99999)}",
            f"ticket #{rng.randint(10000, 99999)}",
            f"RMA-{rng.randint(1000, 9999)}-{V.chars(rng, V.UPPER, 2)}",
        )
    )


def plain_date(rng: random.Random) -> str:
    d = dt.date(2026, 9, 1) + dt.timedelta(days=rng.randint(0, 90))
    return rng.choice(
        (d.isoformat(), f"{d.day} {V.MONTHS_EN[d.month - 1]} {d.year}", f"{d.day:02d}/{d.month:02d}/{d.year}")
    )


# ------------------------------------------------------------------------------ context
_FAKERS: dict[str, Faker] = {}


def _faker(loc: str) -> Faker:
    if loc not in _FAKERS:
        _FAKERS[loc] = Faker(loc)
    return _FAKERS[loc]


_IT_CITIES: list[str] = []


def _it_cities() -> list[str]:
    if not _IT_CITIES:
        provider = next(
            p for p in _faker("it_IT").providers if type(p).__module__.startswith("faker.providers.address")
        )
        _IT_CITIES.extend(sorted(set(provider.cities)))
    return _IT_CITIES


class Ctx:
    """One record under construction: seeded randomness plus the gold lists it accumulates."""

    def __init__(self, split: str, family: str, seed: int, index: int):
        self.split, self.family, self.index = split, family, index
        self.rng = random.Random(seed)
        self.loc = self.rng.choice(LOCALES)
        self.gold: list[Gold] = []
        self.benign: list[Benign] = []
        self._seeded: set[str] = set()

    # -- plumbing
    def fk(self, loc: str | None = None) -> Faker:
        loc = loc or self.loc
        f = _faker(loc)
        if loc not in self._seeded:  # re-seed per record: records do not depend on each other's order
            f.seed_instance(self.rng.getrandbits(48))
            self._seeded.add(loc)
        return f

    def choice(self, seq):
        return self.rng.choice(seq)

    def pick(self, *options):
        """One of several phrasings; callables are called only when chosen (their gold is planted then)."""
        o = self.rng.choice(options)
        return o() if callable(o) else o

    def pii(self, entity: str, value: str, fld: str, kind: str = "") -> str:
        assert entity in ENTITIES and fld in FIELDS, (entity, fld)
        self.gold.append(Gold(entity, value, fld, kind, identifying_tokens(entity, value)))
        return value

    def ok(self, phrase: str, fld: str) -> str:
        self.benign.append(Benign(phrase, fld))
        return phrase

    # -- people
    def person(self, loc: str | None = None) -> tuple[str, str]:
        f = self.fk(loc)
        return f.first_name(), f.last_name()

    def name(self, fld: str, style: str = "full", loc: str | None = None) -> str:
        if style == "nonlatin":
            loc = self.choice(NONLATIN_LOCALES)
            f = self.fk(loc)
            value = (
                f"{f.last_name()}{'' if loc in ('zh_CN', 'ko_KR') else ' '}{f.first_name()}"
                if loc in ("ja_JP", "zh_CN", "ko_KR")
                else f"{f.first_name()} {f.last_name()}"
            )
            return self.pii("PERSON", value, fld, "nonlatin")
        first, last = self.person(loc)
        value = {
            "full": f"{first} {last}",
            "first": first,
            "last": last,
            "lower": f"{first} {last}".lower(),
            "initial": f"{first[0]}. {last}",
            "upper": f"{first} {last}".upper(),
        }[style]
        return self.pii("PERSON", value, fld, style)

    # -- places
    def address_parts(self, loc: str | None = None) -> dict[str, str]:
        loc = loc or self.loc
        f, r = self.fk(loc), self.rng
        num = str(r.randint(1, 180))
        if loc == "de_DE":
            street = (
                f"{f.street_name()} {num}"
                if r.random() < 0.6
                else f"{f.last_name()}straße {num}{r.choice(('', 'a', 'b'))}"
            )
            pc, city = f.postcode(), f.city()
            full = f"{street}, {pc} {city}"
        elif loc == "nl_NL":
            raw = f.postcode()
            pc = f"{raw[:4]} {raw[4:]}" if r.random() < 0.6 else raw
            street, city = f"{f.street_name()} {num}{r.choice(('', '-2', 'A', ' bis'))}", f.city()
            full = f"{street}, {pc} {city}"
        elif loc == "fr_FR":
            street = (
                f"{num}{r.choice(('', ' bis', ' ter'))}, {f.street_name()}"
                if r.random() < 0.5
                else f"{num} rue {f.last_name()}"
            )
            pc, city = f.postcode(), f.city()
            full = f"{street}, {pc} {city}"
        elif loc == "es_ES":
            street = f"{r.choice(('Calle', 'C/', 'Avda.'))} {f.last_name()}, {num}, {r.randint(1, 9)}º {r.choice('ABCD')}"
            pc, city = f.postcode(), f.city()
            full = f"{street}, {pc} {city}"
        elif loc == "en_GB":
            street = f"{num} {f.last_name()} {r.choice(('Road', 'Street', 'Lane', 'Close', 'Crescent', 'Gardens', 'Avenue'))}"
            pc, city = f.postcode(), f.city()
            full = f"{r.choice(('Flat 3, ', '', ''))}{street}, {city} {pc}"
        elif loc == "en_IN":
            street = f"{r.choice(('Flat', 'H.No.'))} {num}, {f.last_name()} {r.choice(('Nagar', 'Colony', 'Apartments'))}, {f.street_name()} Road"
            pc, city = str(r.randint(110001, 855999)), f.city()
            full = f"{street}, {city} {pc}" if r.random() < 0.5 else f"{street}, {city} - {pc}"
        elif loc == "ja_JP":
            pc = f.zipcode()
            street = f.address().split(" ")[0]
            city = ""
            full = f"〒{pc} {street}"
        elif loc == "en_AU":
            street = f"{r.choice(('', f'{r.randint(1, 40)}/'))}{num} {f.last_name()} {r.choice(('St', 'Rd', 'Ave', 'Pde', 'Cres', 'Street'))}"
            pc, city = f.postcode(), f.city()
            full = f"{street}, {city} {f.state_abbr()} {pc}"
        elif loc == "it_IT":
            street = f"{r.choice(('Via', 'Viale', 'Piazza', 'Corso'))} {f.last_name()} {num}"
            pc, city = f.postcode(), r.choice(_it_cities())  # Faker's it_IT city() depends on the hash seed
            full = f"{street}, {pc} {city} ({f.state_abbr()})"
        elif loc == "pl_PL":
            street = f"ul. {f.street_name()} {num}/{r.randint(1, 80)}"
            pc, city = f.postcode(), f.city()
            full = f"{street}, {pc} {city}"
        else:  # en_US
            street = f"{f.building_number()} {f.street_name()}{r.choice(('', f' Apt {r.randint(1, 40)}', f' Suite {r.randint(100, 900)}'))}"
            pc, city = f.zipcode(), f.city()
            full = f"{street}, {city}, {f.state_abbr()} {pc}"
        return {"street": street, "postcode": pc, "city": city, "full": full}

    def address(self, fld: str, loc: str | None = None) -> str:
        return self.pii("ADDRESS", self.address_parts(loc)["full"], fld, loc or self.loc)

    def address_json(self, fld: str, loc: str | None = None) -> dict[str, str]:
        """Address as separate JSON fields (street, postcode, city), each planted."""
        p = self.address_parts(loc)
        out = {
            "street": self.pii("ADDRESS", p["street"], fld, "street"),
            "postcode": self.pii("POSTCODE", p["postcode"], fld, "json"),
        }
        if p["city"]:
            out["city"] = self.pii("ADDRESS", p["city"], fld, "city")
        return out

    def postcode(self, fld: str, loc: str | None = None) -> str:
        return self.pii("POSTCODE", self.address_parts(loc)["postcode"], fld, loc or self.loc)

    # -- contact
    def phone(self, fld: str, style: str | None = None, loc: str | None = None) -> str:
        loc = loc or self.loc
        style = style or self.choice(V.PHONE_STYLES)
        num = V.phone_number(self.rng, V.PHONE_REGIONS[loc])
        return self.pii("PHONE", V.format_phone(self.rng, num, style), fld, style)

    def email(self, fld: str, first: str | None = None, last: str | None = None, style: str = "plain") -> str:
        if first is None or last is None:
            first, last = self.person()
        f = self.fk()
        local = re.sub(r"[^a-z0-9.]", "", f"{first}.{last}".lower().replace(" ", ""))
        if len(local.strip(".")) < 5:  # a non-Latin name: people pick a romanised handle
            local = re.sub(r"[^a-z0-9.]", "", self.fk("en_US").user_name().lower()) or "mailbox"
        if self.rng.random() < 0.3:
            local = f"{local.split('.')[0]}{self.rng.randint(1, 99)}"
        domain = f.free_email_domain() if self.rng.random() < 0.5 else f.domain_name()
        name, _, tld = domain.partition(".")
        value = {
            "plain": f"{local}@{domain}",
            "at_dot": f"{local} [at] {name} [dot] {tld.replace('.', ' [dot] ')}",
            "paren_at": f"{local}(at){domain}",
            "spelled": f"{local.replace('.', ' dot ')} at {name} dot {tld.replace('.', ' dot ')}",
            "urlencoded": f"{local}%40{domain}",
            "upper": f"{local}@{domain}".upper(),
        }[style]
        return self.pii("EMAIL", value, fld, style)

    # -- money
    def card(self, fld: str, brand: str | None = None, style: str | None = None) -> str:
        brand = brand or self.choice(tuple(V.CARD_BRANDS))
        style = style or self.choice(V.CARD_STYLES)
        return self.pii(
            "CREDIT_CARD",
            V.format_card(V.card_number(self.rng, brand), brand, style),
            fld,
            f"{brand}/{style}",
        )

    def iban(self, fld: str, country: str | None = None, style: str | None = None) -> str:
        country = country or IBAN_COUNTRY.get(self.loc) or self.choice(tuple(V.IBAN_LAYOUT))
        style = style or self.choice(V.IBAN_STYLES)
        return self.pii("IBAN", V.format_iban(V.iban(self.rng, country), style), fld, f"{country}/{style}")

    # -- identifiers
    def ssn(self, fld: str, style: str | None = None) -> str:
        style = style or self.choice(("dashes", "compact", "spaces"))
        return self.pii("US_SSN", V.us_ssn(self.rng, style), fld, style)

    def ni(self, fld: str) -> str:
        spaced = self.rng.random() < 0.5
        return self.pii("UK_NI", V.uk_ni(self.rng, spaced), fld, "spaced" if spaced else "compact")

    def passport(self, fld: str, country: str | None = None) -> str:
        country = country or COUNTRY[self.loc]
        return self.pii("PASSPORT", V.passport(self.rng, country), fld, country)

    def licence(self, fld: str, country: str | None = None) -> str:
        country = country or self.choice(("GB", "US", "DE", "AU", "IN", "FR"))
        if country == "GB":
            first, last = self.person("en_GB")
            value = V.uk_driving_licence(self.rng, last, first, V.dob_date(self.rng), self.rng.random() < 0.5)
        else:
            value = V.driving_licence(self.rng, country)
        return self.pii("DRIVING_LICENCE", value, fld, country)

    def national_id(self, fld: str, kind: str | None = None) -> str:
        kind = kind or self.choice(("es_dni", "nl_bsn", "pl_pesel", "in_aadhaar", "in_pan", "it_cf"))
        value = {
            "es_dni": lambda: V.es_dni(self.rng),
            "nl_bsn": lambda: V.nl_bsn(self.rng),
            "pl_pesel": lambda: V.pl_pesel(self.rng, V.dob_date(self.rng)),
            "in_aadhaar": lambda: V.in_aadhaar(self.rng),
            "in_pan": lambda: V.in_pan(self.rng),
            "it_cf": lambda: V.it_codice_fiscale(self.rng),
        }[kind]()
        return self.pii("NATIONAL_ID", value, fld, kind)

    def dob(self, fld: str, style: str | None = None) -> str:
        style = style or self.choice(
            ("iso", "dmy_dot", "dmy_slash", "mdy_slash", "long_en", "us_long", "ja", "dmy_dash")
        )
        return self.pii("DATE_OF_BIRTH", V.format_dob(V.dob_date(self.rng), style), fld, style)

    def ip(self, fld: str, v6: bool | None = None) -> str:
        v6 = self.rng.random() < 0.3 if v6 is None else v6
        return self.pii("IP_ADDRESS", V.ipv6(self.rng) if v6 else V.ipv4(self.rng), fld, "v6" if v6 else "v4")

    def mac(self, fld: str) -> str:
        style = self.choice(("colon", "dash_upper", "cisco"))
        return self.pii("MAC_ADDRESS", V.mac(self.rng, style), fld, style)

    # -- secrets
    def secret(self, kind: str, fld: str) -> str:
        return self.pii("SECRET", V.SIMPLE_SECRETS[kind](self.rng), fld, kind)

    def secret_value(self, kind: str, value: str, fld: str) -> str:
        return self.pii("SECRET", value, fld, kind)

    def password(self, fld: str, kind: str = "password") -> str:
        return self.pii("SECRET", V.password(self.rng), fld, kind)

    # -- benign
    def ok_pick(self, pool: tuple[str, ...], fld: str) -> str:
        return self.ok(self.choice(pool), fld)

    # -- the log line
    def ids(self, prefix: str) -> str:
        return (
            prefix
            + hashlib.blake2b(
                f"{self.split}/{self.family}/{self.index}/{prefix}".encode(), digest_size=8
            ).hexdigest()
        )

    def line(
        self,
        *,
        system: str | None,
        messages: list[dict],
        answer: str | None = None,
        answer_tool_calls: list[dict] | None = None,
        error: dict | None = None,
        tools: list[dict] | None = None,
        context: list[dict] | None = None,
        feedback: dict | None = None,
        tags: list[str] | None = None,
        metadata: dict | None = None,
        user_id: str | None = None,
        model: str = "gpt-4o-mini",
    ) -> dict:
        ts = dt.datetime(2026, 10, 5, 8, tzinfo=dt.UTC) + dt.timedelta(
            minutes=7 * self.index + self.rng.randint(0, 6)
        )
        msgs = ([{"role": "system", "content": system}] if system else []) + messages
        obj: dict = {
            "request_id": self.ids("req_"),
            "timestamp": ts.isoformat().replace("+00:00", "Z"),
            "latency_ms": round(self.rng.uniform(300, 9000), 1),
            "session_id": self.ids("sess_"),
            "user_id": user_id or self.ids("usr_"),
            "request": {"model": model, "messages": msgs, "temperature": self.choice((0.0, 0.2, 0.7))},
        }
        if tools:
            obj["request"]["tools"] = tools
        if error is not None:
            obj["error"] = error
        else:
            msg: dict = {"role": "assistant", "content": answer}
            if answer_tool_calls:
                msg["tool_calls"] = answer_tool_calls
            obj["response"] = {
                "id": self.ids("chatcmpl-"),
                "object": "chat.completion",
                "created": int(ts.timestamp()),
                "model": model + "-2024-07-18",
                "choices": [
                    {
                        "index": 0,
                        "message": msg,
                        "finish_reason": "tool_calls" if answer_tool_calls else "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": self.rng.randint(200, 3000),
                    "completion_tokens": self.rng.randint(20, 600),
                },
            }
        if context:
            obj["retrieved_context"] = context
        if feedback:
            obj["feedback"] = feedback
        if tags:
            obj["tags"] = tags
        if metadata:
            obj["metadata"] = metadata
        return obj


def tool(name: str, desc: str, *params: str) -> dict:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": desc,
            "parameters": {"type": "object", "properties": {p: {"type": "string"} for p in params}},
        },
    }


def call(c: Ctx, name: str, args: dict) -> tuple[dict, str]:
    """An assistant turn calling a tool, with the arguments as the JSON string OpenAI sends."""
    cid = "call_" + hashlib.blake2b(f"{c.index}/{name}/{len(c.gold)}".encode(), digest_size=6).hexdigest()
    tc = {
        "id": cid,
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)},
    }
    return {"role": "assistant", "content": None, "tool_calls": [tc]}, cid


def result(cid: str, payload: object) -> dict:
    content = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return {"role": "tool", "tool_call_id": cid, "content": content}


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict:
    return {"role": "assistant", "content": text}


Family = Callable[[Ctx], dict]


def families(split: str) -> dict[str, Family]:
    """The template families of a split: split `X` lives in pii_families_X.py.

    `dev` / `heldout`: the first pair (all entity types).  `dev2` / `heldout2`: a second pair, written
    later by two other engineers, each without the other's file, the scrubber's rules or the first
    held-out split, weighted towards person names (the shapes the first pair showed leaking).
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: expected one of {SPLITS}")
    return importlib.import_module(f"pii_families_{split}").FAMILIES


# ------------------------------------------------------------------------------ building
def line_fields(line: dict) -> dict[str, str]:
    """field (FIELDS) -> text of a raw gateway line, the same split the scorer makes on canonical rows."""
    out: dict[str, list[str]] = {f: [] for f in FIELDS}
    for m in line["request"]["messages"]:
        role = m["role"]
        if role == "tool":
            out["tool_result"] += leaves(m.get("content"))
            continue
        out[{"system": "system", "user": "user"}.get(role, "assistant")] += leaves(m.get("content"))
        for tc in m.get("tool_calls") or []:
            out["tool_args"] += leaves(tc["function"])
    for ch in (line.get("response") or {}).get("choices", []):
        out["assistant"] += leaves(ch["message"].get("content"))
        for tc in ch["message"].get("tool_calls") or []:
            out["tool_args"] += leaves(tc["function"])
    out["error"] += leaves(line.get("error"))
    out["context"] += leaves(line.get("retrieved_context"))
    out["feedback"] += leaves((line.get("feedback") or {}).get("comment"))
    out["metadata"] += leaves(line.get("metadata"))
    out["tags"] += leaves(line.get("tags"))
    out["user_id"] += leaves(line.get("user_id"))
    return {k: "\n".join(v) for k, v in out.items()}


def _finalise(c: Ctx, line: dict) -> LogRecord:
    text = "\n".join(leaves(line))
    fields = line_fields(line)
    gold: list[Gold] = []
    seen = set()
    for g in c.gold:
        key = (g.entity, g.value, g.field)
        if key in seen or g.value not in fields[g.field]:  # generated for a phrasing that was not chosen
            continue
        seen.add(key)
        gold.append(g)
    gold_tokens = {t.casefold() for g in gold for t in (*g.tokens, g.value)}
    benign = []
    for b in dict.fromkeys(c.benign):
        if b.phrase not in text:
            continue
        words = {w.casefold() for w in _TOKEN_RE.findall(b.phrase)}
        if words & gold_tokens or any(b.phrase in g.value or g.value in b.phrase for g in gold):
            continue  # a benign phrase must not share a token with a planted value
        benign.append(b)
    return LogRecord(c.split, c.family, line, gold, benign)


def build_split(split: str, n: int, seed: int = 12) -> list[LogRecord]:
    """n records of one split, round-robin over its template families, deterministic in (split, n, seed)."""
    fams = sorted(families(split).items())
    out = []
    for i in range(n):
        name, fn = fams[i % len(fams)]
        rec_seed = int.from_bytes(
            hashlib.blake2b(f"{split}/{seed}/{i}".encode(), digest_size=8).digest(), "big"
        )
        c = Ctx(split, name, rec_seed, i)
        out.append(_finalise(c, fn(c)))
    return out


def write_jsonl(records: list[LogRecord], path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r.line, ensure_ascii=False) + "\n")


# ------------------------------------------------------------------------- text helpers
def leaves(obj: object) -> list[str]:
    """Every string (and number) in a nested value, strings holding JSON decoded first."""
    out: list[str] = []

    def walk(o: object) -> None:
        if isinstance(o, dict):
            for v in o.values():
                walk(v)
        elif isinstance(o, list | tuple):
            for v in o:
                walk(v)
        elif isinstance(o, str):
            s = o.strip()
            if s[:1] in "{[" and s[-1:] in "}]":
                try:
                    walk(json.loads(s))
                    return
                except ValueError:
                    pass
            out.append(o)
        elif isinstance(o, bool) or o is None:
            return
        elif isinstance(o, int | float):
            out.append(str(o))
        else:
            out.append(str(o))

    walk(obj)
    return out
