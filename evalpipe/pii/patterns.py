"""The detector table: one `find_*` per entity type, each `text -> list[Hit]`.

Structured identifiers come from `identifiers.py` (phonenumbers, checksums), secrets from
`credentials.py` (detect-secrets + known prefixes), addresses from `addresses.py` (structure),
names from `persons.py` (cues + Philter-style safe list) plus the greeting / gazetteer rules here.
They are plain Python so that they are testable without loading spaCy; `recognizers.py` wraps them
as Presidio recognizers.
"""

from __future__ import annotations

import re
import unicodedata

from evalpipe.pii.addresses import find_addresses
from evalpipe.pii.credentials import find_secrets
from evalpipe.pii.identifiers import (
    Hit,
    find_cards,
    find_dates_of_birth,
    find_emails,
    find_ibans,
    find_macs,
    find_national_ids,
    find_postcodes,
    find_ssns,
    regions_for,
)
from evalpipe.pii.identifiers import find_phones as _find_phones
from evalpipe.pii.names import AMBIGUOUS, FIRST_NAMES, NOT_NAMES

# Our own pseudonym tokens: never re-detect them (scrubbing must be idempotent).
PSEUDONYM_RE = re.compile(r"<[A-Z][A-Z_]*?_[0-9a-f]{4,16}>|<[A-Z][A-Z_]*>")


def find_phones(text: str) -> list[Hit]:
    """`phonenumbers` over the regions of the text's language plus the default set."""
    if sum(c.isdigit() for c in text) < 7:
        return []
    from evalpipe.pii.recognizers import detect_language

    return _find_phones(text, regions_for(detect_language(text)))


# ---------------------------------------------------------------- IP addresses
_IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\w|\.\d)"
)
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")


_VERSION_BEFORE = re.compile(
    r"(?i)\b(?:v|version|versión|versie|ver\.?|release|build|firmware|fw|rom|bios|os|ios|android|chrome|"
    r"kernel|driver|patch|update|upgrade|upgraded to|sdk|app|client|agent|plugin|model|edition|rev\.?)\s*:?\s*$"
)


def find_ips(text: str) -> list[Hit]:
    """IPv4 (excluding version strings like 1.2.3.4-beta and loopback) and IPv6 (validated)."""
    import ipaddress

    hits: list[Hit] = []
    for m in _IPV4.finditer(text):
        pre = text[max(0, m.start() - 12) : m.start()].lower()
        if _VERSION_BEFORE.search(pre) or re.match(r"[-+~][A-Za-z0-9]", text[m.end() : m.end() + 2]):
            continue
        ip = ipaddress.ip_address(m.group())
        if ip.is_loopback or ip.is_unspecified:
            continue
        hits.append(Hit(m.start(), m.end(), "IP_ADDRESS", 0.9, "ipv4"))
    for m in _IPV6.finditer(text):
        try:
            ip6 = ipaddress.IPv6Address(m.group())
        except ValueError:
            continue
        if ip6.is_loopback or m.group().count(":") < 3:
            continue
        hits.append(Hit(m.start(), m.end(), "IP_ADDRESS", 0.9, "ipv6"))
    return hits


# ---------------------------------------------------------------- first names
_NOT_SURNAME_WORDS = (
    "Hi|Hello|Hey|Dear|Thanks|Thank|Cheers|Regards|Best|Hola|Gracias|Saludos|Hallo|Danke|Gruß|Grüße|Viele|Beste|"
    "Bonjour|Salut|Merci|Cordialement|LG|VG|PS|P\\.S|Please|Bitte|Por|Can|Could|Our|My|Mi|Meine|Mon|Ma|The|I|We|Je|Ich|"
    "Wie|Was|Qué|Cuál|Quel|Quels|Sure|Yes|No|Street|Avenue|Road|Calle|Rue|Die|Der|Das|Dein|Mein|Unser|Unsere|Wir|Sie|"
    "Guten|Buenos|Buenas|Bonne|Good|El|La|Los|Las|Tu|Su|Nuestro|Le|Les|Notre|Votre|Il|Elle|Nous|Vous|This|That|It|Is|Here|There|Just|Also|Again"
)
_NAME_TOKEN = r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+(?:[-'’][A-ZÀ-ÖØ-Þ]?[a-zß-öø-ÿ]+)?"
_SURNAME = (
    r"(?:[ \t]+(?:(?:de|del|de la|van|von|der|van der|da|di|le|la|du|mc|o')[ \t]+)?(?!(?:"
    + _NOT_SURNAME_WORDS
    + r")\b)"
    + _NAME_TOKEN
    + r")"
)
_GREETING = re.compile(
    r"(?:^|(?<=[\s\"'(>]))(?i:Good morning|Good afternoon|Good evening|Hi|Hello|Hey|Dear|Morning|Thanks a lot|"
    r"Thanks so much|Thank you so much|Thanks again|Thank you|Thanks|Many thanks|Thx|Cheers|Best regards|"
    r"Kind regards|Regards|Best|Sincerely|Yours|Ciao|Hola|Buenos días|Buenas tardes|Buenas noches|Buenas|"
    r"Muchas gracias|Mil gracias|Gracias|Saludos|Guten Morgen|Guten Tag|Guten Abend|Danke schön|Merci beaucoup|"
    r"Merci bien|Bonne journée|"
    r"Un saludo|Atentamente|Querid[oa]|Estimad[oa]|Hallo|Liebe|Lieber|Sehr geehrte[r]?(?: Frau| Herr)?|Danke|"
    r"Vielen Dank|Grüße|Gruß|Viele Grüße|Beste Grüße|Mit freundlichen Grüßen|Freundliche Grüße|LG|VG|MfG|Bonjour|"
    r"Bonsoir|Salut|Coucou|Cher|Chère|Merci|Cordialement|Bien à vous|Bises|Amicalement|My name is|I'm|I am|"
    r"This is|Soy|Me llamo|Mi nombre es|Ich bin|Ich heiße|Mein Name ist|Je m'appelle|Je suis|Mon nom est|Name|"
    r"Nombre|Nom)\b[,!.:]?[ \t]*(?:\r?\n[ \t]*)?(?:[-–—]{1,2}[ \t]*)?"
    r"(?!(?:" + _NOT_SURNAME_WORDS + r")\b)(" + _NAME_TOKEN + r")(" + _SURNAME + r"?)"
)
_DASH_SIGNOFF = re.compile(
    r"(?:^|(?<=\s))(?:--|—|–)[ \t]*(?!(?:"
    + _NOT_SURNAME_WORDS
    + r")\b)("
    + _NAME_TOKEN
    + r")("
    + _SURNAME
    + r"?)"
    r"(?=[ \t]*(?:$|\n|[.,!]))"
)
_END_SIGNATURE = re.compile(
    r"(?<=[.!?])\s+(?!(?:"
    + _NOT_SURNAME_WORDS
    + r")\b)("
    + _NAME_TOKEN
    + r")("
    + _SURNAME
    + r"?)[ \t]*(?=\r?\n|$)"
)
_NAME_KEYS = (
    r"full_?name|first_?name|last_?name|given_?name|family_?name|surname|customer(?:_name)?|"
    r"contact(?:_name)?|author|recipient|sender|assignee|requester|nombre|apellidos?|vorname|nachname|"
    r"prénom|prenom|nom"
)
_JSON_NAME = re.compile(
    r"(?i:[\"']?(?:"
    + _NAME_KEYS
    + r")[\"']?\s*[:=]\s*[\"'])("
    + _NAME_TOKEN
    + r")("
    + _SURNAME
    + r"{0,3})[\"']"
)
NAME_KEY_RE = re.compile(r"(?i)^(?:" + _NAME_KEYS + r")$")

# Phrases that introduce a third person by full name in support chats (any of our languages).
_NAME_CONTEXT = re.compile(
    r"(?i:spoke with|spoke to|talked to|talked with|speaking with|colleague|coworker|co-worker|customer|client|"
    r"cc:?|assigned to|contact person|on behalf of|hablé con|de parte de|en nombre de|habe mit|sprach mit|"
    r"im Auftrag von|Ansprechpartner(?:in)?|Kollegin|Kollege|parlé avec|de la part de|au nom de|collègue|"
    r"sign it as|signed|signed by|firmado|signé|reply to|write to|email|call|ping|ask|tell|rappeler|appeler|"
    r"écrire à|répondre à|llamar a|escribir a|responder a|contactar(?: a| con)?|schreiben an|antworten an|"
    r"my details|mis datos|meine Daten|mes coordonnées|addressed to|dirigida a|adressée à|adressiert an)"
    r"[ \t:]+(?!(?:"
    + _NOT_SURNAME_WORDS
    + r")\b)("
    + _NAME_TOKEN
    + r")((?:"
    + _SURNAME
    + r")|(?=[ \t]*(?:[.,;!?]|$)))"
)
_NAME_WITH_SURNAME = re.compile(r"(?<![\w@.])(" + _NAME_TOKEN + r")(" + _SURNAME + r"{1,2})")
_NAME_ALONE = re.compile(r"(?<![\w@./#-])(" + _NAME_TOKEN + r")(?![\w@-]|\.\w)")
_NOT_SURNAME = frozenset(
    "The And Or But Is Are Was I We You He She They It This That Thanks Thank Please Street Avenue Road "
    "Inc Ltd LLC GmbH SA Team Support Hi Hello Hey Dear Regards Cheers Best Here If When Yes No Ok Okay "
    "Calle Rue Hauptstraße On In At For From To Also My Your Our".split()
)


def _norm(name: str) -> str:
    """Lower case, accents folded: 'Lucía' and 'lucia' hit the same gazetteer entry."""
    folded = unicodedata.normalize("NFKD", name.lower().replace("’", "'"))
    return "".join(c for c in folded if not unicodedata.combining(c))


def find_first_names(text: str) -> list[Hit]:
    """Greeting/sign-off names ("Hi Jeff,", "Cheers -- Tom") and gazetteer first names (+ surname)."""
    hits: list[Hit] = []
    for m in _GREETING.finditer(text):
        first = m.group(1)
        low = _norm(first)
        if low in NOT_NAMES:
            continue
        after = text[m.end(1) : m.end(1) + 1]
        known = low in FIRST_NAMES
        if not known and after not in (",", "!", ".", "\n", "", ":", ";", ")", " ", "?"):
            continue
        if not known and "." in text[m.start() : m.start(1)] and not m.group(2):
            continue  # "Un saludo. Necesito ...": a new sentence, not a signature
        end = m.end(1)
        surname = m.group(2)
        if surname and surname.strip().split()[-1] not in _NOT_SURNAME:
            end = m.end(2)
        hits.append(Hit(m.start(1), end, "PERSON", 0.8, "greeting_name"))
    for rx, rule in (
        (_DASH_SIGNOFF, "signoff_name"),
        (_JSON_NAME, "keyed_name"),
        (_END_SIGNATURE, "end_signature"),
        (_NAME_CONTEXT, "context_name"),
    ):
        for m in rx.finditer(text):
            if rx is not _JSON_NAME and _norm(m.group(1)) in NOT_NAMES:
                continue
            hits.append(Hit(m.start(1), m.end(2), "PERSON", 0.8, rule))
    for m in _NAME_WITH_SURNAME.finditer(text):
        if _norm(m.group(1)) not in FIRST_NAMES:
            continue
        parts = m.group(2).split()
        if parts[0] in _NOT_SURNAME:
            continue
        end = m.end(2)
        if parts[-1] in _NOT_SURNAME:
            continue
        hits.append(Hit(m.start(1), end, "PERSON", 0.8, "gazetteer_full_name"))
    for m in _NAME_ALONE.finditer(text):
        low = _norm(m.group(1))
        if low in FIRST_NAMES and low not in AMBIGUOUS:
            hits.append(Hit(m.start(1), m.end(1), "PERSON", 0.7, "gazetteer_first_name"))
    return hits


def find_names(text: str, extra: frozenset[str] = frozenset()) -> list[Hit]:
    """Greeting / gazetteer rules + cue positions + Philter rule, minus spans made of safe tokens."""
    from evalpipe.pii.lexicon import product_spans
    from evalpipe.pii.persons import (
        SHAPE_RULES,
        after_job_title,
        ambiguous_word_use,
        find_persons,
        in_org_position,
        keep_ner_person,
        text_langs,
    )

    products = product_spans(text, extra)
    hits = [
        h
        for h in find_first_names(text) + find_persons(text, extra)
        if not any(a < h.end and h.start < b for a, b in products)
    ]
    # A name in a cue position ("Gracias, Modesta") may be a word of some language; only very
    # common words are dropped there.  Elsewhere the ordinary common-word threshold applies.
    langs = text_langs(text)
    return [
        h
        for h in hits
        if keep_ner_person(text[h.start : h.end], extra, _min_zipf(text, h), langs)
        and not (
            in_org_position(text, h.start, h.end) if h.rule in SHAPE_RULES else after_job_title(text, h.start)
        )
        and not (h.rule in SHAPE_RULES and ambiguous_word_use(text, h.start, h.end))
    ]


_CLOSED = re.compile(r"[ \t]*(?:[,!]|[.!?]?[ \t]*(?:\r?\n|$))")
_SLOT_RULES = frozenset({"greeting_name", "signoff_name", "name_cue", "signature"})


def _min_zipf(text: str, h: Hit) -> float:
    """Common-word threshold for a name hit.

    A word of the languages (Zipf >= 3.5) that is not in the first-name lexicon is not a name, even
    after "Hi" ("Hi, Invalid request ..."), unless the slot is closed like a greeting or sign-off
    ("Hola Estrella, ...", "Merci, Emmanuel" at the end of a line): then only very common words are
    dropped.  JSON name keys are the strongest evidence.
    """
    if h.rule == "keyed_name":
        return 5.5
    if h.rule in ("name_here", "name_list"):
        return 4.6
    if h.rule == "name_honorific":
        return 5.3  # "Dr Hill", "Mrs Brown": after a title a frequent word is a surname
    if h.rule in (
        "name_mention",
        "name_lowercase_here",
        "name_lowercase_slot",
        "name_mrz",
        "name_key_handle",
    ):
        return 99.0  # the finder already checked the word against the text's language
    if h.rule in _SLOT_RULES and _CLOSED.match(text, h.end):
        return 5.5
    return 3.5


def find_addresses_and_postcodes(text: str) -> list[Hit]:
    """Street addresses by structure plus postcodes standing alone in running text (identifiers.py)."""
    return find_addresses(text) + find_postcodes(text)


ALL_FINDERS = {
    "CREDIT_CARD": find_cards,
    "IBAN_CODE": find_ibans,
    "US_SSN": find_ssns,
    "SECRET": find_secrets,
    "EMAIL_ADDRESS": find_emails,
    "PHONE_NUMBER": find_phones,
    "IP_ADDRESS": find_ips,
    "STREET_ADDRESS": find_addresses_and_postcodes,
    "PERSON": find_names,
    "NATIONAL_ID": find_national_ids,
    "DATE_OF_BIRTH": find_dates_of_birth,
    "MAC_ADDRESS": find_macs,
}
