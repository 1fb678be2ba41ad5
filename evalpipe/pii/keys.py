"""What a JSON key says about its value, in the languages of the logs.

Inside tool arguments and results, metadata, retrieved context and error bodies the key name is the
strongest evidence there is: `{"ssn": "…"}` is an SSN whatever its format, and a value under a
credential-like key (`password`, `x-api-key`, `SecretAccessKey`, `authorization`, `cookie`…) is
masked whatever it looks like.  Keys are split on camelCase, dashes, dots and underscores, so
`SecretAccessKey`, `secret-access-key` and `secret_access_key` read alike.
"""

from __future__ import annotations

import re
from functools import lru_cache

from evalpipe.pii.lexicon import fold

# Joined-token substrings that make a key a credential.
_CREDENTIAL_PARTS = (
    "password", "passwd", "passwort", "kennwort", "wachtwoord", "contrasena", "motdepasse", "senha",
    "secret", "apikey", "accesskey", "privatekey", "secretkey", "clientsecret", "authorization", "authtoken",
    "accesstoken", "refreshtoken", "idtoken", "sessiontoken", "bearertoken", "csrftoken", "xsrftoken",
    "cookie", "credential", "passphrase", "signingkey", "encryptionkey", "masterkey", "licensekey",
    "accountkey", "subscriptionkey", "webhooksecret", "connectionstring", "sastoken", "privatekeyid",
    "clave", "mdp", "jwt",
)  # fmt: skip
_CREDENTIAL_TOKENS = frozenset(
    {"token", "pwd", "pass", "pin", "cvv", "cvc", "cvv2", "otp", "auth", "dsn", "sig"}
)
# Trailing tokens that turn a credential word into metadata about it ("max_tokens", "token_type").
_NOT_VALUE = frozenset(
    {"tokens", "count", "type", "usage", "limit", "length", "len", "expires", "expiry", "expiration",
     "ttl", "url", "uri", "endpoint", "name", "policy", "hint", "set", "required", "enabled", "present",
     "changed", "updated", "reset", "rotation", "rotated", "strength", "field", "label", "format",
     "manager", "tokenizer", "budget", "cost", "id_type", "version", "scope", "scopes"}
)  # fmt: skip

_PII_KEYS: dict[str, tuple[str, ...]] = {
    "PERSON": (
        "fullname", "firstname", "lastname", "givenname", "familyname", "surname", "displayname",
        "middlename", "customername", "contactname", "clientname", "username_full", "accountholder",
        "accountholdername", "holder", "holdername", "cardholder", "cardholdername", "nameoncard",
        "recipient", "recipientname", "sender", "sendername", "assignee", "agentname", "requester",
        "requestername", "ownername", "patientname", "employeename", "beneficiary", "beneficiaryname",
        "payee", "payer", "signedby", "nombre", "apellido", "apellidos", "nombrecompleto", "titular",
        "vorname", "nachname", "kontoinhaber", "inhaber", "vollstandigername", "prenom", "nomcomplet",
        "titulaire", "naam", "voornaam", "achternaam", "volledigenaam", "nome", "cognome", "intestatario",
        "nomecompleto", "名前", "氏名", "姓名", "имя", "фамилия", "contact", "customer", "client",
    ),
    "EMAIL_ADDRESS": ("email", "emailaddress", "mail", "correo", "correoelectronico", "courriel", "emailadres",
                      "replyto", "cc", "bcc"),
    "PHONE_NUMBER": ("phone", "phonenumber", "telephone", "tel", "mobile", "mobilenumber", "cell", "cellphone",
                     "msisdn", "telefono", "telefon", "telefonnummer", "handy", "handynummer", "telefoon",
                     "telefoonnummer", "portable", "whatsapp", "fax", "movil", "celular", "cellulare", "telefone",
                     "contactnumber", "callback", "callbacknumber"),
    "STREET_ADDRESS": ("address", "streetaddress", "street", "addr", "addressline1", "addressline2", "line1",
                       "line2", "shippingaddress", "billingaddress", "deliveryaddress", "homeaddress",
                       "postaladdress", "mailingaddress", "direccion", "calle", "domicilio", "adresse",
                       "anschrift", "strasse", "lieferadresse", "adres", "straat", "bezorgadres", "indirizzo",
                       "endereco", "morada", "postcode", "zip", "zipcode", "postalcode", "plz", "codigopostal",
                       "codepostal", "cap", "住所", "地址", "адрес"),
    "NATIONAL_ID": ("ssn", "socialsecurity", "socialsecuritynumber", "sin", "nino", "ninumber",
                    "nationalinsurance", "nationalinsurancenumber", "nationalid", "dni", "nie", "nif", "bsn",
                    "passport", "passportnumber", "passportno", "driverlicense", "driverslicense",
                    "driverslicence", "drivinglicence", "drivinglicense", "dlnumber", "licensenumber",
                    "licencenumber", "taxid", "tin", "steuerid", "steueridentifikationsnummer", "personalausweis",
                    "ausweisnummer", "aadhaar", "aadhar", "pannumber", "codicefiscale", "cpf", "curp", "rfc",
                    "idnumber", "idcard", "documentnumber", "numerodocumento", "reisepass", "pasaporte",
                    "passeport", "paspoort", "führerschein", "fuhrerschein", "rijbewijs", "permisdeconduire"),
    "DATE_OF_BIRTH": ("dob", "dateofbirth", "birthdate", "birthday", "geburtsdatum", "fechanacimiento",
                      "fechadenacimiento", "datedenaissance", "datenaissance", "geboortedatum", "datadinascita",
                      "datanascimento", "生年月日"),
    "CREDIT_CARD": ("cardnumber", "ccnumber", "creditcard", "creditcardnumber", "cardno", "kartennummer",
                    "numerotarjeta", "numerodetarjeta", "numerocarte", "kaartnummer", "pan_number"),
    "IBAN_CODE": ("iban", "accountnumber", "bankaccount", "bankaccountnumber", "kontonummer", "numerocuenta",
                  "cuenta", "rekeningnummer", "rib", "sortcode"),
    "IP_ADDRESS": ("ip", "ipaddress", "clientip", "remoteaddr", "remoteip", "xforwardedfor", "sourceip", "userip"),
}  # fmt: skip
_PII_INDEX: dict[str, str] = {fold(k): ent for ent, ks in _PII_KEYS.items() for k in ks}
_AMBIGUOUS_NAME_KEYS = frozenset(
    {"name", "nom", "author", "owner", "user", "agent", "contact", "customer", "client"}
)


def split_key(key: str) -> list[str]:
    """'SecretAccessKey' / 'x-api-key' / 'secret_access.key' -> lower-case word list."""
    k = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key)
    k = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", k)
    return [fold(t) for t in re.split(r"[^0-9A-Za-z\u00c0-\uffff]+", k) if t]


@lru_cache(maxsize=4096)
def key_entity(key: str) -> str | None:
    """'SECRET', a PII entity type, 'NAME?' (plain 'name'-like key: only person-looking values), or None."""
    toks = split_key(key)
    if not toks:
        return None
    joined = "".join(toks)
    credential = any(p in joined for p in _CREDENTIAL_PARTS) or any(t in _CREDENTIAL_TOKENS for t in toks)
    if credential:
        return None if toks[-1] in _NOT_VALUE or toks[-1] == "id" and "private" not in joined else "SECRET"
    if toks[-1] in _NOT_VALUE - {"name"}:
        return None
    if (
        toks[-1] == "key"
        and len(toks) > 1
        and toks[-2]
        in {
            "api",
            "access",
            "secret",
            "private",
            "auth",
            "x",
            "signing",
            "master",
            "license",
            "account",
            "client",
            "subscription",
            "encryption",
            "service",
            "app",
        }
    ):
        return "SECRET"
    if joined in ("key", "apikey"):
        return "KEY?"
    if joined in _PII_INDEX:
        ent = _PII_INDEX[joined]
        return "NAME?" if joined in _AMBIGUOUS_NAME_KEYS else ent
    if joined in _AMBIGUOUS_NAME_KEYS:
        return "NAME?"
    # compound keys ending in a PII word: "customer_email", "shipping_street", "user_phone"
    for n in (2, 1):
        tail = "".join(toks[-n:])
        if len(toks) > n - 1 and tail in _PII_INDEX and tail not in _AMBIGUOUS_NAME_KEYS:
            return _PII_INDEX[tail]
    if (
        toks[-1] == "name"
        and len(toks) > 1
        and toks[-2]
        in {
            "customer",
            "contact",
            "client",
            "user",
            "agent",
            "account",
            "holder",
            "recipient",
            "sender",
            "owner",
            "full",
            "first",
            "last",
            "given",
            "family",
            "person",
            "patient",
            "employee",
            "display",
        }
    ):
        return "PERSON"
    return None


_PLACEHOLDER = re.compile(
    r"(?i)^(?:|x+|\*+|\.+|-+|<[^>]*>|\{\{?[^}]*\}\}?|\$\{[^}]*\}|\$[A-Z_]+|%\w+%|null|none|nil|n/a|na|"
    r"true|false|undefined|redacted|\[redacted\]|hidden|masked|changeme|example|string|your[_ -].*)$"
)
_PSEUDONYM = re.compile(r"^\s*<[A-Z][A-Z_]*?(?:_[0-9a-f]{4,16})?>\s*$")


def _name_word(w: str) -> bool:
    """Letters (any script, with combining marks: Devanagari matras) and - ' ’ . inside."""
    import unicodedata

    if not w or not unicodedata.category(w[0]).startswith("L"):
        return False
    return all(unicodedata.category(c)[0] in "LM" or c in "-'’." for c in w)


def keyed_entity(key: str | None, value: str) -> str | None:
    """The entity type a whole string `value` under JSON key `key` is, or None (scan it as text)."""
    if key is None:
        return None
    ent = key_entity(key)
    if ent is None:
        return None
    v = value.strip()
    if not v or len(v) > 2000 or _PLACEHOLDER.match(v) or _PSEUDONYM.match(v):
        return None
    if ent == "SECRET":
        return "SECRET"
    if ent == "KEY?":
        from evalpipe.pii.lexicon import is_common_word

        return "SECRET" if len(v) >= 8 and not any(c.isspace() for c in v) and not is_common_word(v) else None
    if ent in ("NAME?", "PERSON"):
        return "PERSON" if _person_value(v, strict=ent == "NAME?") else None
    digits = sum(c.isdigit() for c in v)
    if ent == "EMAIL_ADDRESS":
        return ent if "@" in v or re.search(r"(?i)\[at\]|\(at\)|%40| at ", v) else None
    if ent == "PHONE_NUMBER":
        return ent if digits >= 6 else None
    if ent == "STREET_ADDRESS":
        return ent if len(v) <= 300 and (digits or len(v.split()) >= 2) else None
    if ent == "IP_ADDRESS":
        return ent if re.fullmatch(r"[0-9A-Fa-f.:, ]{7,}", v) else None
    if ent == "DATE_OF_BIRTH":
        return ent if digits else None
    return ent if digits and sum(c.isalnum() for c in v) >= 4 else None


def _person_value(v: str, strict: bool) -> bool:
    """A person-looking value: 1-5 words of letters; under a plain 'name' key also name-shaped."""
    if len(v) > 100 or "@" in v or any(c.isdigit() for c in v):
        return False
    words = v.replace(",", " ").split()
    if not 0 < len(words) <= 5 or not all(_name_word(w) for w in words):
        return False
    from evalpipe.pii.persons import keep_ner_person

    if strict:
        # {"name": "get_order_status"} is a tool, {"name": "Dark Mode"} a setting: capitalised names only
        if not all(w[:1].isupper() or not w[:1].isascii() for w in words if len(w) > 3):
            return False
    return keep_ner_person(v) or not strict and not v.islower()


def keyed_number_entity(key: str | None, value: int | float) -> str | None:
    """Numbers under identifier keys ({"phone": 4155550123}); small counts never."""
    if key is None or isinstance(value, bool):
        return None
    ent = key_entity(key)
    if ent in ("PHONE_NUMBER", "NATIONAL_ID", "CREDIT_CARD", "IBAN_CODE", "SECRET", "DATE_OF_BIRTH"):
        return ent if sum(c.isdigit() for c in str(value)) >= 5 else None
    return None
