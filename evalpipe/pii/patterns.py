"""Language-agnostic detectors for what Presidio's defaults miss or get wrong.

Each `find_*` function takes a text and returns `Hit`s (start, end, entity, score, rule).  They are
plain Python so that they are testable without loading spaCy, and `recognizers.py` wraps them
as Presidio recognizers.  Regexes are case-sensitive on purpose (Presidio's IBAN pattern under
IGNORECASE swallowed the following lowercase word and then failed its checksum).
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from evalpipe.pii.names import AMBIGUOUS, FIRST_NAMES, NOT_NAMES
from evalpipe.pii.validators import IBAN_LENGTHS, card_brand, iban_ok, luhn_ok, shannon_entropy


class Hit(NamedTuple):
    start: int
    end: int
    entity: str
    score: float
    rule: str


# Our own pseudonym tokens: never re-detect them (scrubbing must be idempotent).
PSEUDONYM_RE = re.compile(r"<[A-Z][A-Z_]*?_[0-9a-f]{4,16}>|<[A-Z][A-Z_]*>")

# ---------------------------------------------------------------- cards
_DIGIT_GROUPS = re.compile(r"(?<![\w.,/-])\d+(?:[ -]\d+)*(?![\w/]|[.,]\d)")


def find_cards(text: str) -> list[Hit]:
    """Runs of digit groups (spaces/dashes) that contain a Luhn-valid, brand-valid 12-19 digit card."""
    hits: list[Hit] = []
    for m in _DIGIT_GROUPS.finditer(text):
        run = m.group()
        if sum(c.isdigit() for c in run) < 12:
            continue
        groups = [(g.start() + m.start(), g.end() + m.start(), g.group()) for g in re.finditer(r"\d+", run)]
        i = 0
        while i < len(groups):
            best = None
            digits = ""
            for j in range(i, len(groups)):
                digits += groups[j][2]
                if len(digits) > 19:
                    break
                if len(digits) >= 12 and luhn_ok(digits) and card_brand(digits):
                    best = j
            if best is None:
                i += 1
                continue
            hits.append(Hit(groups[i][0], groups[best][1], "CREDIT_CARD", 1.0, "card_luhn"))
            i = best + 1
    return hits


# ---------------------------------------------------------------- IBAN
_IBAN_START = re.compile(r"\b([A-Z]{2})(\d{2})")


def find_ibans(text: str) -> list[Hit]:
    """IBANs with or without spaces; length from the country table, then mod-97."""
    hits: list[Hit] = []
    pos = 0
    for m in _IBAN_START.finditer(text):
        if m.start() < pos:
            continue
        need = IBAN_LENGTHS.get(m.group(1))
        if need is None:
            continue
        chars = [m.group(1), m.group(2)]
        n = 4
        i = m.end()
        end = i
        while n < need and i < len(text):
            c = text[i]
            if c == " " and i + 1 < len(text) and text[i + 1].isalnum() and text[i - 1] != " ":
                i += 1
                continue
            if (c.isdigit() or "A" <= c <= "Z") and c.isascii():
                chars.append(c)
                n += 1
                i += 1
                end = i
                continue
            break
        if n != need or (
            end < len(text) and text[end].isalnum() and text[end - 1] != " " and not text[end].islower()
        ):
            continue
        if end < len(text) and (text[end].isdigit() or "A" <= text[end] <= "Z") and text[end - 1] != " ":
            continue
        if iban_ok("".join(chars)):
            hits.append(Hit(m.start(), end, "IBAN_CODE", 1.0, "iban_mod97"))
            pos = end
    return hits


# ---------------------------------------------------------------- US SSN
_SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\w-])")
_SSN_BARE = re.compile(
    r"(?i)\b(?:ssn|social security(?: number| no\.?)?)\s*(?:is|:|#)?\s*((?!000|666|9\d\d)\d{9})\b"
)


def find_ssns(text: str) -> list[Hit]:
    hits = [Hit(m.start(), m.end(), "US_SSN", 0.9, "ssn") for m in _SSN.finditer(text)]
    hits += [Hit(m.start(1), m.end(1), "US_SSN", 0.9, "ssn_context") for m in _SSN_BARE.finditer(text)]
    return hits


# ---------------------------------------------------------------- secrets
_SECRET_RULES: list[tuple[str, re.Pattern[str], int]] = [
    ("pem_private_key", re.compile(
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----|\Z)"), 0),
    ("anthropic_key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}"), 0),
    ("openai_key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}"), 0),
    ("aws_access_key_id", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA)[A-Z0-9]{16}\b"), 0),
    ("aws_secret_key_ctx", re.compile(
        r"(?i)aws.{0,20}?(?:secret|private).{0,20}?[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"), 1),
    ("github_token", re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}\b"), 0),
    ("github_pat", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{40,}"), 0),
    ("slack_token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), 0),
    ("slack_webhook", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/]{20,}"), 0),
    ("google_api_key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), 0),
    ("stripe_key", re.compile(r"\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}"), 0),
    # Many SaaS products copied Stripe's shape for their own keys (e.g. `bd_live_...`, `acme_prod_...`).
    ("vendor_live_key", re.compile(
        r"(?<![\w-])[a-z][a-z0-9]{1,15}_(?:live|test|prod|secret|sk|pk|key)_[0-9A-Za-z]{16,}(?!\w)"), 0),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), 0),
    ("auth_header", re.compile(
        r"(?i:authorization|proxy-authorization)[\"']?\s*[:=]\s*[\"']?(?i:bearer|basic|token|digest)\s+([A-Za-z0-9._~+/=-]{8,})"), 1),
    ("bearer_token", re.compile(r"\b(?i:bearer)\s+([A-Za-z0-9._~+/-]{20,}=*)"), 1),
    ("url_credentials", re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@]+:([^\s:/@]{3,})@"), 1),
]  # fmt: skip

_GENERIC_KEYS = (
    r"api[_-]?key|apikey|x-api-key|secret(?:[_-]?key)?|client[_-]?secret|access[_-]?token|auth[_-]?token|"
    r"refresh[_-]?token|private[_-]?key|token|password|passwd|pwd|passphrase|contraseña|contrasena|clave|"
    r"passwort|kennwort|mot de passe|mdp"
)
_GENERIC = re.compile(
    r"(?i)(?<![A-Za-z])[\"']?("
    + _GENERIC_KEYS
    + r")[\"']?\s*(?:[:=]|=>|\bis\b|\bes\b|\best\b|\bist\b)\s*[\"']?"
    r"([^\s\"',;<>]{6,200})"
)
_PASSWORD_KEYS = re.compile(r"(?i)pass|pwd|contrase|clave|kennwort|mot de passe|mdp")
_PLACEHOLDERS = re.compile(
    r"(?i)^(?:x+|\*+|\.+|<.*>|\{.*\}|\$\{.*\}|\$[A-Z_]+|changeme|redacted|null|none|"
    r"true|false|undefined|your[_-].*|example.*|dummy|secret|password)$"
)


def find_secrets(text: str) -> list[Hit]:
    """Known-format API keys/tokens, auth headers, PEM keys, and entropy-checked `key=value` secrets."""
    hits: list[Hit] = []
    for rule, rx, group in _SECRET_RULES:
        for m in rx.finditer(text):
            if rule == "bearer_token" and shannon_entropy(m.group(1)) < 3.0:
                continue
            hits.append(Hit(m.start(group), m.end(group), "SECRET", 1.0, rule))
    for m in _GENERIC.finditer(text):
        value = m.group(2).rstrip(".)]}")
        if _PLACEHOLDERS.match(value) or PSEUDONYM_RE.fullmatch(value):
            continue
        is_password = bool(_PASSWORD_KEYS.search(m.group(1)))
        ent = shannon_entropy(value)
        if is_password:
            ok = len(value) >= 6 and ent >= 2.0 and not value.isalpha() or ent >= 3.0 and len(value) >= 8
        else:
            has_digit = any(c.isdigit() for c in value)
            ok = len(value) >= 12 and ent >= 3.5 and has_digit
        if ok:
            hits.append(Hit(m.start(2), m.start(2) + len(value), "SECRET", 0.9, "generic_secret"))
    return hits


# ---------------------------------------------------------------- e-mail
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}\b")


def find_emails(text: str) -> list[Hit]:
    return [Hit(m.start(), m.end(), "EMAIL_ADDRESS", 1.0, "email") for m in _EMAIL.finditer(text)]


# ---------------------------------------------------------------- phones
_PHONE_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("intl", re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,5}){2,6}(?!\w)")),
    ("intl_00", re.compile(r"(?<!\d[ .-])(?<![\w])00[1-9]\d?[ .-]\d{1,4}(?:[ .-]?\d{2,5}){2,5}(?!\w)")),
    ("nanp_paren", re.compile(r"(?<!\w)\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}(?!\w)")),
    ("nanp", re.compile(r"(?<![\w.-])\d{3}[-.]\d{3}[-.]\d{4}(?![\w-]|\.\d)")),
    ("fr_national", re.compile(r"(?<!\d[ .-])(?<![\w.-])0[1-9](?:[ .]\d{2}){4}(?![\w-]|[.]\d)")),
    ("de_national", re.compile(r"(?<!\d[ .-])(?<![\w.-])0\d{2,4}[ /-]\d{4,8}(?![\w-]|[.,]\d)")),
    ("es_mobile", re.compile(r"(?<!\d[ .-])(?<![\w.-])[6789]\d{2} \d{3} \d{3}(?![\w-])|(?<![\w.-])[6789]\d{2} \d{2} \d{2} \d{2}(?![\w-])")),
    ("uk_mobile", re.compile(r"(?<![\w.-])07\d{3} ?\d{6}(?!\w)")),
]  # fmt: skip
_PHONE_CONTEXT = re.compile(
    r"(?i)(?:phone|tel|mobile|cell|call|text|whatsapp|number|número|numero|telefono|teléfono|móvil|llam|handy|"
    r"telefon|nummer|anrufen|rufen|rückruf|ruf an|erreichbar|portable|appel|numéro|joindre|contact|fax)"
)


def find_phones(text: str) -> list[Hit]:
    """International (+CC / 00CC) numbers and the common national formats of US, FR, DE, ES, UK."""
    hits: list[Hit] = []
    for rule, rx in _PHONE_RULES:
        for m in rx.finditer(text):
            digits = sum(c.isdigit() for c in m.group())
            if not 7 <= digits <= 15:
                continue
            if rule == "de_national":
                # "030 12345678" is a phone; "2024 1234" style pairs need a phone word nearby.
                if not _PHONE_CONTEXT.search(text, max(0, m.start() - 40), m.start()):
                    continue
            hits.append(Hit(m.start(), m.end(), "PHONE_NUMBER", 0.85, "phone_" + rule))
    return hits


# ---------------------------------------------------------------- IP addresses
_IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\w|\.\d)"
)
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")


def find_ips(text: str) -> list[Hit]:
    """IPv4 (excluding version strings like 1.2.3.4-beta and loopback) and IPv6 (validated)."""
    import ipaddress

    hits: list[Hit] = []
    for m in _IPV4.finditer(text):
        pre = text[max(0, m.start() - 12) : m.start()].lower()
        if re.search(r"\b(?:v|version|ver\.?|release|build)\s*$", pre):
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


# ---------------------------------------------------------------- street addresses
_CAP = r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+(?:[-'’][A-ZÀ-ÖØ-Þ]?[a-zß-öø-ÿ]+)*"
_EN_STREET = r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Parkway|Pkwy|Circle|Cir|Highway|Hwy|Square|Sq)"
_ADDRESS_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("en", re.compile(
        r"\b\d{1,6}[A-Za-z]?\s+(?:[NSEW]\.?\s+)?(?:" + _CAP + r"\s+){1,3}" + _EN_STREET + r"\b\.?"
        r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|#)\.?\s*#?\w{1,6})?"
        r"(?:,\s*" + _CAP + r"(?:\s" + _CAP + r"){0,2})?(?:,?\s*[A-Z]{2})?(?:\s+\d{5}(?:-\d{4})?)?")),
    ("es", re.compile(
        r"\b(?:Calle|C/|Avenida|Avda\.?|Av\.|Plaza|Pza\.|Paseo|Pº|Camino|Carrera|Ronda|Travesía|Rúa|Carrer)\s+"
        r"(?:(?:de|del|la|las|los|el|d')\s+)*" + _CAP + r"(?:\s+(?:(?:de|del|la|las|los|el|y)\s+)*" + _CAP + r"){0,3}"
        r",?\s*(?:n[º°o]\.?\s*)?\d{1,4}[A-Za-z]?(?:,?\s*\d{1,2}[º°ª]?\s*[A-Za-z]?(?:\b|\s))?"
        r"(?:,?\s*\d{5}\s+" + _CAP + r"(?:\s" + _CAP + r")?)?")),
    ("de", re.compile(
        r"\b(?:[A-ZÄÖÜ][a-zäöüß]+-)*[A-ZÄÖÜ][a-zäöüß]*(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee)"
        r"\s+\d{1,4}\s?[a-z]?\b(?:,\s*\d{5}\s+" + _CAP + r"(?:\s(?:am|an der)\s" + _CAP + r")?)?"
        r"|\b[A-ZÄÖÜ][a-zäöüß]+(?:er)?\s(?:Straße|Strasse|Str\.|Weg|Platz|Allee|Gasse|Ring|Damm)\s+\d{1,4}\s?[a-z]?\b"
        r"(?:,\s*\d{5}\s+" + _CAP + r")?")),
    ("fr", re.compile(
        r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|quai|route|cours|"
        r"Rue|Avenue|Boulevard|Place|Chemin|Allée|Impasse|Quai|Route|Cours)\s+"
        r"(?:(?:de|du|des|la|le|les|l'|l’|d'|d’|aux?)\s*)*" + _CAP +
        r"(?:[\s-]+(?:(?:de|du|des|la|le|les|l'|l’|d'|d’|aux?)\s*)*" + _CAP + r"){0,3}"
        r"(?:,?\s*\d{5}\s+" + _CAP + r"(?:[\s-]" + _CAP + r")?)?")),
    ("postcode_city_eu", re.compile(r"(?<=, )\d{5}\s+" + _CAP + r"(?=[\s.,;]|$)")),
]  # fmt: skip


def find_addresses(text: str) -> list[Hit]:
    """Street addresses: English '1234 Elm Street, City, ST 62704' and ES/DE/FR street forms."""
    hits: list[Hit] = []
    for rule, rx in _ADDRESS_RULES:
        if rule == "postcode_city_eu":
            continue  # only as an extension of a street match (handled inside the rules)
        for m in rx.finditer(text):
            hits.append(Hit(m.start(), m.end(), "STREET_ADDRESS", 0.85, "address_" + rule))
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


ALL_FINDERS = {
    "CREDIT_CARD": find_cards,
    "IBAN_CODE": find_ibans,
    "US_SSN": find_ssns,
    "SECRET": find_secrets,
    "EMAIL_ADDRESS": find_emails,
    "PHONE_NUMBER": find_phones,
    "IP_ADDRESS": find_ips,
    "STREET_ADDRESS": find_addresses,
    "PERSON": find_first_names,
}
