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
        # roles only people have (a team or a component is never a pupil or a guest)
        "pupil", "student", "child", "guest", "guestname", "leadguest", "member", "membername", "candidate",
        "candidatename", "attendee", "participant", "passenger", "traveller", "traveler", "invitee",
        "patron", "borrower", "claimant", "insured", "freelancer", "lodger", "cotenant", "flatmate",
        "parent", "mother", "father", "son", "daughter", "wife", "husband", "schuler", "schueler", "gast",
        "mitglied", "bewerber", "teilnehmer", "leerling", "deelnemer", "eleve", "invite", "candidat",
        "alumno", "alumna", "invitado", "candidato", "alunno", "ospite", "studente",
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
                    "passeport", "paspoort", "führerschein", "fuhrerschein", "rijbewijs", "permisdeconduire",
                    "passportid", "passportnr", "passportnum", "passportno", "passportnumber", "reisepassnummer",
                    "passnummer", "passnr", "numeropasaporte", "numeropasseport", "numeropassaporto",
                    "paspoortnummer", "numerpaszportu", "traveldocument", "traveldocumentnumber", "traveldoc",
                    "traveldocumentno", "reisedokument", "titredevoyage", "documentodeviaje", "iddocument",
                    "iddocumentnumber", "docnumber", "docno", "documentno", "documentnr", "dokumentnummer",
                    "numerodocumento", "numerodedocumento", "numerodudocument", "identitydocument",
                    "identitydocumentnumber", "idnumber", "idno", "mrz", "mrzline1", "mrzline2"),
    "DATE_OF_BIRTH": ("dob", "dateofbirth", "birthdate", "birthday", "geburtsdatum", "fechanacimiento",
                      "fechadenacimiento", "datedenaissance", "datenaissance", "geboortedatum", "datadinascita",
                      "datanascimento", "datanascita", "生年月日", "birthdt", "dateofbirthiso", "geboortedatum", "dataurodzenia",
                      "datadenascimento", "fechanac", "datenaiss", "gebdatum", "geburtstag", "birthdateiso",
                      "dobiso", "cumpleanos", "dogumtarihi", "дата рождения", "датарождения", "出生日期"),
    "CREDIT_CARD": ("cardnumber", "ccnumber", "creditcard", "creditcardnumber", "cardno", "kartennummer",
                    "numerotarjeta", "numerodetarjeta", "numerocarte", "kaartnummer", "pan_number"),
    "IBAN_CODE": ("iban", "accountnumber", "bankaccount", "bankaccountnumber", "kontonummer", "numerocuenta",
                  "cuenta", "rekeningnummer", "rib", "sortcode"),
    "IP_ADDRESS": ("ip", "ipaddress", "clientip", "remoteaddr", "remoteip", "xforwardedfor", "sourceip", "userip"),
}  # fmt: skip
# Address parts by key: the line, the house number, the postcode, in the logs' languages.
_ADDRESS_PART_KEYS = (
    "addressline", "addressline3", "address1", "address2", "streetline", "streetname", "streetaddress1",
    "housenumber", "houseno", "housenr", "hausnummer", "hausnr", "huisnummer", "huisnr", "numerocasa",
    "numerocalle", "numeroderue", "numerovoie", "civico", "numerocivico", "flatnumber", "aptnumber",
    "apartmentnumber", "unitnumber", "suitenumber", "buildingname",
    "postcode", "postalcode", "postcodes", "zip", "zipcode", "zip5", "zipplus4", "pincode",
    "postleitzahl", "plz", "codigopostal", "codepostal", "cap", "codiceavviamentopostale", "cep",
    "kodpocztowy", "postnummer", "postnr", "郵便番号", "邮编", "邮政编码", "индекс", "почтовыйиндекс",
    "ulica", "adres", "adresdostawy", "adreszamieszkania", "strasseundhausnummer", "strassehausnummer",
    "calleynumero", "rua", "morada", "woonadres", "postadres", "factuuradres", "adresse1",
    "adresse2", "ligneadresse", "lineadireccion", "recipientaddress", "residentialaddress", "permanentaddress",
    "currentaddress", "correspondenceaddress", "pickupaddress", "dropoffaddress", "destinationaddress",
    "番地", "丁目", "住所1", "住所2", "адрес1", "addresslines", "streetlines", "street1", "street2", "addr1",
    "addr2", "rue", "numerorue", "voie", "strassenname", "straatnaam", "nombrecalle", "nomerue",
)  # fmt: skip
# A town or city alone: masked under its key, but never swept over the partition ("our Berlin office"
# elsewhere is benign text; see keyed_score).
_LOCALITY_KEYS = (
    "city", "town", "locality", "municipality", "village", "suburb", "hamlet", "borough", "cityname",
    "townname", "postaltown", "posttown", "shippingcity", "billingcity", "deliverycity", "homecity",
    "cityortown", "stadt", "ort", "wohnort", "gemeinde", "ortschaft", "ortsteil", "stadtteil",
    "ciudad", "localidad", "poblacion", "municipio", "ville", "commune", "localite", "stad", "plaats",
    "woonplaats", "gemeente", "citta", "comune", "localita", "cidade", "concelho", "freguesia",
    "miasto", "miejscowosc", "gmina", "市区町村", "市町村", "市", "城市", "город", "населенныйпункт",
)  # fmt: skip
# People in a role: the value is a person when it looks like one ("manager": "Daniel Reid").
_ROLE_KEYS = (
    "manager", "linemanager", "accountmanager", "hiringmanager", "projectmanager", "casemanager",
    "relationshipmanager", "storemanager", "officemanager", "directmanager", "reportingmanager",
    "supervisor", "teamlead", "reportsto", "approver", "approvedby", "reviewer", "reviewedby",
    "reporter", "reportedby", "createdby", "requestedby", "submittedby", "assignedto", "assignee",
    "caseworker", "caseowner", "accountowner", "emergencycontact", "emergencycontactname", "contactperson",
    "contactpersonname", "pointofcontact", "poc", "nextofkin", "guardian", "spouse", "referee",
    "witness", "landlord", "tenant", "occupant", "addressee", "attn", "careof",
    "recipient", "consignee", "accountholder", "cardholder", "policyholder",
    "employee", "employeename", "agent", "agentname", "representative",
    "salesrep", "advisor", "adviser", "consultant", "doctor", "physician", "dentist", "nurse", "teacher",
    "hrcontact", "hrpartner", "mentor", "signatory", "authorisedperson",
    "authorizedperson", "beneficiary", "heir",
    "patient", "applicant", "interviewer",
    "driver", "maindriver", "additionaldriver", "staff", "staffmember", "host", "organizer", "organiser",
    "bookedby", "sponsor", "coach", "trainer", "instructor", "librarian", "recruiter", "referrer",
    "referredby", "coordinator", "planner", "courier", "dispatcher", "receptionist", "clinician",
    "therapist", "pharmacist", "prescriber", "adjuster", "technician", "handler", "handledby",
    "contractor", "tutor", "caretaker", "carer", "caregiver", "neighbour", "neighbor",
    # de
    "ansprechpartner", "ansprechperson", "vorgesetzter", "vorgesetzte", "notfallkontakt", "sachbearbeiter",
    "sachbearbeiterin", "betreuer", "betreuerin", "verantwortlich", "verantwortlicher", "kontaktperson",
    "empfanger", "mitarbeiter", "mitarbeiterin", "kunde", "kundin", "bearbeiter", "leiter",
    # es / pt
    "responsable", "gerente", "jefe", "jefa", "encargado", "encargada", "contacto", "contactodeemergencia",
    "personadecontacto", "destinatario", "remitente", "empleado", "empleada", "cliente", "supervisora",
    "responsavel", "contatodeemergencia", "funcionario",
    # fr
    "gestionnaire", "interlocuteur", "interlocutrice", "contacturgence", "personneacontacter",
    "destinataire", "expediteur", "employe", "salarie", "conseiller", "conseillere", "referent",
    # nl
    "contactpersoon", "leidinggevende", "beheerder", "verantwoordelijke", "noodcontact", "ontvanger",
    "afzender", "medewerker", "klant", "behandelaar",
    # it
    "referente", "responsabile", "contattodiemergenza", "destinatario", "mittente", "dipendente",
    # pl
    "kierownik", "opiekun", "osobakontaktowa", "odbiorca", "nadawca", "pracownik", "klient",
    # ja / zh / ru
    "担当者", "責任者", "連絡先氏名", "緊急連絡先", "上司", "联系人", "负责人", "经理", "менеджер",
    "контактноелицо", "ответственный",
)  # fmt: skip
_ROLE_INDEX = frozenset(fold(k) for k in _ROLE_KEYS)
_LOCALITY_INDEX = frozenset(fold(k) for k in _LOCALITY_KEYS)
_PII_INDEX: dict[str, str] = {fold(k): ent for ent, ks in _PII_KEYS.items() for k in ks}
for _k in _ADDRESS_PART_KEYS + _LOCALITY_KEYS:
    _PII_INDEX.setdefault(fold(_k), "STREET_ADDRESS")
_AMBIGUOUS_NAME_KEYS = frozenset(
    {"name", "nom", "author", "owner", "user", "agent", "contact", "customer", "client"}
)
# Software that shares a role word: "package_manager": "npm", "task_owner": "cron" are not people.
_ROLE_NOT_PERSON = frozenset(
    {"package", "password", "secret", "window", "task", "file", "download", "display", "session", "process",
     "node", "version", "plugin", "dependency", "resource", "cluster", "entity", "state", "layout", "device",
     "service", "connection", "network", "memory", "power", "boot", "build", "release", "config", "cache",
     "queue", "job", "thread", "lock", "key", "certificate", "license", "policy", "storage", "volume",
     "printer", "db", "database", "jdbc", "odbc", "graphics", "gpu", "video", "audio", "usb", "kernel",
     "sound", "disk", "web", "browser", "test", "selenium"}
)  # fmt: skip


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
    if toks[-1] in _NOT_VALUE - {"name", "manager"}:
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
    if joined in _LOCALITY_INDEX:
        return "LOCALITY?"
    if joined in _PII_INDEX:
        ent = _PII_INDEX[joined]
        return "NAME?" if joined in _AMBIGUOUS_NAME_KEYS else ent
    if joined in _AMBIGUOUS_NAME_KEYS:
        return "NAME?"
    if joined in _ROLE_INDEX:
        return "ROLE?"
    # compound keys ending in a PII word: "customer_email", "shipping_street", "user_phone", "billing_city"
    for n in (3, 2, 1):
        if len(toks) < n:
            continue
        tail = "".join(toks[-n:])
        if tail in _LOCALITY_INDEX:
            return "LOCALITY?"
        if tail in _PII_INDEX and tail not in _AMBIGUOUS_NAME_KEYS:
            return _PII_INDEX[tail]
    # people in a role: "emergency_contact", "line_manager", "ansprechpartner_name", "hr_contact"
    core = toks[:-1] if len(toks) > 1 and toks[-1] in ("name", "fullname", "naam", "nombre", "nom") else toks
    for n in (3, 2, 1):
        if len(core) < n:
            continue
        tail = "".join(core[-n:])
        if (tail in _ROLE_INDEX or tail in _AMBIGUOUS_NAME_KEYS and len(core) > n) and not (
            len(core) > n and core[-n - 1] in _ROLE_NOT_PERSON
        ):
            return "ROLE?"
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
    return all(unicodedata.category(c)[0] in "LM" or c in "-–'’." for c in w)


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
    if ent == "ROLE?":
        return "PERSON" if _role_person(v) else None
    if ent == "LOCALITY?":
        return "STREET_ADDRESS" if _place_value(v) else None
    digits = sum(c.isdigit() for c in v)
    if ent == "EMAIL_ADDRESS":
        return ent if "@" in v or re.search(r"(?i)\[at\]|\(at\)|%40| at ", v) else None
    if ent == "PHONE_NUMBER":
        return ent if digits >= 6 else None
    if ent == "STREET_ADDRESS":
        if len(v) > 300:
            return None
        if digits or len(v.split()) >= 2:
            return ent
        # one word under an address key: a street or town name ("Kurfürstendamm"), not "verified" / "home"
        from evalpipe.pii.lexicon import is_common_word

        return ent if _place_value(v) and not is_common_word(v) else None
    if ent == "IP_ADDRESS":
        return ent if re.fullmatch(r"[0-9A-Fa-f.:, ]{7,}", v) else None
    if ent == "DATE_OF_BIRTH":
        return ent if digits else None
    return ent if digits and sum(c.isalnum() for c in v) >= 4 else None


def keyed_score(key: str | None) -> float:
    """Confidence of a whole-value detection by key; a town alone is below the sweep's threshold.

    "Berlin" under `city` is the customer's town, but the same word elsewhere in the partition
    ("our Berlin office") is ordinary text: masked where the key says so, never propagated.
    """
    return 0.8 if key is not None and key_entity(key) == "LOCALITY?" else 0.95


_NOT_A_PLACE = frozenset(
    {"unknown", "any", "all", "other", "others", "remote", "default", "various", "tbd", "tba", "online",
     "anywhere", "worldwide", "global", "local", "same", "home", "office"}
)  # fmt: skip


def _place_value(v: str) -> bool:
    """A town / city value: 1-6 words of letters (St. / -sur- / apostrophes inside), not a filler word."""
    if len(v) > 60 or "@" in v or "://" in v or fold(v) in _NOT_A_PLACE:
        return False
    words = v.replace(",", " ").split()
    return 0 < len(words) <= 6 and all(_name_word(w) or w.isdigit() and len(w) <= 5 for w in words)


def _role_person(v: str) -> bool:
    """A person under a role key: name-shaped, and a known first name, two words or a non-Latin script.

    One capitalised token alone ("OrderService", "Finance") is more often a team or a component;
    lower case only when it opens with a known first name ("daniel reid", not "npm registry").
    """
    from evalpipe.pii.lexicon import is_first_name

    words = v.replace(",", " ").split()
    if not _person_value(v, strict=True):
        # lower case typed into a form ("daniel reid"): a person when it opens with a known first name
        return (
            v.islower() and 1 < len(words) <= 4 and is_first_name(words[0]) and _person_value(v, strict=False)
        )
    if len(words) > 1 or not words[0].isascii():
        return True
    return is_first_name(words[0])


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


# A record that says what it holds in a sibling field: {"document_type": "passport", "number": "…"},
# {"field": "date_of_birth", "value": "…"}.  The value-like keys then read as the named kind.
_LABEL_KEYS = frozenset(
    {"type", "documenttype", "doctype", "idtype", "kind", "documentkind", "field", "fieldname", "label",
     "attribute", "attr", "name", "key", "category", "tipo", "tipodocumento", "tipodedocumento",
     "typedocument", "typededocument", "dokumentart", "dokumenttyp", "art", "typ", "soort", "documentsoort",
     "rodzajdokumentu", "document", "doc", "documento", "dokument", "documentname"}
)  # fmt: skip
_VALUE_KEYS = frozenset(
    {"number", "value", "no", "nr", "num", "id", "numero", "nummer", "code", "documentnumber", "docnumber",
     "val", "text", "data", "identifier", "numer", "numéro", "número", "wert", "valor", "valeur", "valore",
     "waarde", "documentid", "docid"}
)  # fmt: skip
_DOC_TYPE_WORDS = re.compile(
    r"(?i)passport|reisepass|passeport|pasaporte|paspoort|passaporto|passaporte|paszport|pasaport|"
    r"travel[ _-]?doc|reisedokument|titre de voyage|documento de viaje|id[ _-]?card|identity|ausweis|"
    r"carte d'identit|dni|nie|driv\w* ?licen|führerschein|rijbewijs|permis|national[ _-]?id|パスポート|护照"
)


# What a parent key can lend its value-like children: {"passport": {"number": "…", "country": "GB"}}.
_LENDING_ENTITIES = frozenset(
    {"NATIONAL_ID", "PHONE_NUMBER", "EMAIL_ADDRESS", "IBAN_CODE", "CREDIT_CARD", "DATE_OF_BIRTH"}
)


# A number key under one of these parents is a document number: {"documents": [{"number": …}]}.
_DOC_PARENT_WORDS = frozenset(
    {"passport", "passports", "document", "documents", "doc", "docs", "identification", "identity",
     "identities", "travel", "kyc", "reisepass", "ausweis", "pasaporte", "passeport", "paspoort",
     "passaporto", "paszport", "documento", "documentos", "dokument", "dokumente", "identidad", "pièce"}
)  # fmt: skip
_NUMBER_KEYS = frozenset(
    {
        "number",
        "no",
        "nr",
        "num",
        "numero",
        "nummer",
        "numer",
        "numéro",
        "número",
        "documentnumber",
        "docnumber",
    }
)
# Keys only an identity document record carries beside its number (an order or a card has none).
_ISSUE_KEYS = frozenset(
    {"nationality", "issuingcountry", "issuingstate", "issuingauthority", "countryofissue", "stateofissue",
     "issuedby", "issuer", "placeofissue", "dateofissue", "issuedate", "issuedon", "issuingnation",
     "ausstellungsland", "ausstellungsdatum", "nationalität", "paysdemission", "nacionalidad"}
)  # fmt: skip


def sibling_key(obj: dict, key: str, parent: str | None = None) -> str:
    """The key `key`'s value should be read under, given what its siblings in `obj` say it is, or
    failing that what the key holding `obj` (`parent`) says: a value key inherits an identifier
    parent's kind, and a number key a document parent's ({"passports": [{"number": …}]}) or a
    record that names its issuer ({"number": …, "issuing_country": "DE"})."""
    folded = fold(re.sub(r"[^0-9A-Za-z\u00c0-\uffff]", "", key))
    if folded not in _VALUE_KEYS:
        return key
    named = _sibling_named(obj, key)
    if named != key:
        return named
    if parent is not None and key_entity(parent) in _LENDING_ENTITIES:
        return parent
    if folded in _NUMBER_KEYS:
        if parent is not None and _DOC_PARENT_WORDS.intersection(split_key(parent)):
            return "passport_number"
        if any(isinstance(k, str) and "".join(split_key(k)) in _ISSUE_KEYS for k in obj):
            return "passport_number"
    return key


def _sibling_named(obj: dict, key: str) -> str:
    for k, v in obj.items():
        if k == key or not isinstance(k, str) or not isinstance(v, str) or len(v) > 60:
            continue
        if "".join(split_key(k)) not in _LABEL_KEYS:
            continue
        if _DOC_TYPE_WORDS.search(v) and "".join(split_key(k)) not in ("name", "key", "field", "label"):
            return "passport_number"
        ent = key_entity(v) if re.fullmatch(r"[\w .-]{2,40}", v) else None
        if ent in (
            "DATE_OF_BIRTH",
            "NATIONAL_ID",
            "PHONE_NUMBER",
            "EMAIL_ADDRESS",
            "IBAN_CODE",
            "CREDIT_CARD",
        ):
            return v
        if ent == "STREET_ADDRESS" and "".join(split_key(v)) in _POSTCODE_KEYS:
            return v
    return key


_POSTCODE_KEYS = frozenset(
    {"postcode", "postalcode", "zip", "zipcode", "plz", "postleitzahl", "codepostal", "codigopostal", "cap",
     "cep", "pincode", "kodpocztowy", "postnummer"}
)  # fmt: skip


def keyed_number_entity(key: str | None, value: int | float) -> str | None:
    """Numbers under identifier keys ({"phone": 4155550123}); small counts never."""
    if key is None or isinstance(value, bool):
        return None
    ent = key_entity(key)
    if ent in ("PHONE_NUMBER", "NATIONAL_ID", "CREDIT_CARD", "IBAN_CODE", "SECRET", "DATE_OF_BIRTH"):
        return ent if sum(c.isdigit() for c in str(value)) >= 5 else None
    return None
