"""Labeled chat-like corpus for the PII benchmark: own templates, gold character spans.

Names come from Faker (pinned dev dependency, seeded) so that the person-name gold is independent
of the scrubber's own first-name gazetteer; every other value is generated here (valid Luhn cards
for every brand/length, mod-97 IBANs, international phones, ...).  Distractors that look like PII
but are not (order numbers, UUIDs, versions, non-Luhn digit runs, dates, SQL) carry no gold span, so
a detector that flags them loses precision.  Deterministic for a given seed and Faker version.
"""

from __future__ import annotations

import random
import re
import string
import unicodedata
from dataclasses import dataclass

GOLD_TYPES = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
    "STREET_ADDRESS",
    "SECRET",
)
SLOT_TYPES = {
    "full": "PERSON",
    "first": "PERSON",
    "first2": "PERSON",
    "email": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER",
    "card": "CREDIT_CARD",
    "iban": "IBAN_CODE",
    "ssn": "US_SSN",
    "ip": "IP_ADDRESS",
    "addr": "STREET_ADDRESS",
    "secret": "SECRET",
    "pw": "SECRET",
    "apikey": "SECRET",
    "bearer": "SECRET",
    "ip6": "IP_ADDRESS",
}


@dataclass
class Record:
    text: str
    spans: list[tuple[int, int, str]]  # (start, end, gold type)
    lang: str


TEMPLATES: dict[str, list[str]] = {
    "en": [
        "Hi {first}, I was charged twice for order {order}. My card is {card}, can you refund one of them? Thanks, {first2}",
        "Hello, my name is {full} and I can't log in. My email is {email} and my phone is {phone}. Order {order} is stuck since {date}.",
        "Please update my shipping address to {addr}. The old one was wrong. Account email: {email}.",
        "Can you check why my payment with card {card} failed? I tried again at {time} and got error {errcode}.",
        "My SSN is {ssn}, I need the tax form for {date}. Also please call me back at {phone}.",
        "Our server at {ip} keeps returning 502 after upgrading to {version}. Logs show request id {uuid}.",
        "Here is my config, it fails with 401:\nOPENAI_API_KEY={secret}\nmodel=gpt-4o-mini\ntimeout=30",
        "curl -H 'Authorization: Bearer {bearer}' https://api.example.com/v1/items?limit=10 returns 403, why?",
        "Thanks {first}! That fixed it. Invoice {invoice} for {amount} looks right now.",
        "Dear support, I'm {full}, customer since {year}. Please wire the refund to IBAN {iban}. Regards, {first2}",
        "Cheers -- {first}\n\nPS: my new number is {phone}, the old one is disconnected.",
        "The query SELECT * FROM orders WHERE id = {smallint} returns nothing for {email}. Version {version}.",
        "I forgot my password. Username is {username}, recovery email {email}. I live at {addr}.",
        "{full} asked me to forward this: the tracking number {tracking} shows delivered but nothing arrived.",
        "Our db password: {pw} was committed by mistake in commit {sha}, how do I rotate it?",
        "Can you summarize this ticket? Customer {full} ({email}) reports the app crashes on v{version} when uploading a 2.5 MB file.",
        "Hey {first}, quick one: the reference {fakecard} on my statement, is that your company? Amount {amount}.",
        "Please remove my data. Name: {full}. Phone: {phone}. Address: {addr}. Email: {email}.",
        "Login from {ip} at {time} was not me! My account is {email}. Lock it please.",
        'Here\'s the JSON I send: {{"api_key": "{apikey}", "user": "{username}", "limit": 50}} and it says invalid key.',
        "I'm traveling to Madrid on {date}, can I change the delivery for order {order}? Best, {first}",
        "My colleague {full} will pick it up. Her number is {phone}. Ticket {ticket}.",
        "Payment failed again. Card ending {last4}, full number {card}, expiry {expiry}. What's wrong?",
        "Hi team, the webhook from {ip6} sends malformed payloads since build {version}. Sample id {uuid}.",
        "How do I reset the 2FA on my account? Phone on file is {phone} but I changed carriers.",
        "Could you explain the difference between plan A and plan B? The pricing page says {amount} per month.",
        "What is the capital of Australia and how long is the flight from London?",
        "Write a haiku about autumn leaves and coffee.",
        "Error TS2345 in src/app.ts line {smallint}: Argument of type 'string' is not assignable. Using node {version}.",
        "Hi {first}, can you send the contract to {email}? My SSN for the background check is {ssn}.",
    ],
    "es": [
        "Hola {first}, me cobraron dos veces el pedido {order}. Mi tarjeta es {card}. Gracias, {first2}",
        "Buenos días, soy {full}. Mi correo es {email} y mi teléfono {phone}. ¿Pueden ayudarme?",
        "Por favor envíen el paquete a {addr}. Mi número es {phone}.",
        "Quiero la devolución en mi cuenta {iban} por favor, el pedido {order} llegó roto.",
        "Mi contraseña: {pw} no funciona desde la actualización {version}. Saludos, {first}",
        "¿Cuál es el horario de atención? Llamé el {date} y nadie contestó.",
        "Hola, el pago con la tarjeta {card} falló con el error {errcode}. Un saludo, {full}",
    ],
    "de": [
        "Hallo {first}, meine Bestellung {order} ist nicht angekommen. Adresse: {addr}. Viele Grüße, {first2}",
        "Guten Tag, ich bin {full}. Bitte überweisen Sie die Erstattung auf {iban}. Danke!",
        "Meine Handynummer ist {phone}, meine E-Mail {email}. Bitte rufen Sie mich an.",
        "Die Zahlung mit Karte {card} wurde abgelehnt (Fehler {errcode}). Gruß, {first}",
        "Wie kann ich mein Passwort ändern? Version {version}, Ticket {ticket}.",
        "Unser Server {ip} antwortet nicht mehr seit dem Update am {date}. LG {first}",
    ],
    "fr": [
        "Bonjour {first}, ma commande {order} n'est pas arrivée. Mon adresse : {addr}. Merci, {first2}",
        "Je m'appelle {full}, mon numéro est {phone} et mon e-mail {email}.",
        "Merci de rembourser sur mon IBAN {iban}. Cordialement, {full}",
        "Le paiement avec la carte {card} a échoué hier à {time}. Merci, {first}",
        "Mot de passe : {pw} ne marche plus depuis la version {version}. Ticket {ticket}.",
        "Bonjour, quels sont vos horaires d'ouverture le {date} ? Bonne journée.",
    ],
}
# Held-out set: written after the detectors were tuned on TEMPLATES and never used to tune them,
# so its figures estimate how the scrubber does on phrasings it has not seen.
HELDOUT_TEMPLATES: dict[str, list[str]] = {
    "en": [
        "I spoke with {full} yesterday about ticket {ticket} and she said to email you. Could you confirm the refund?",
        "assigned to {first} -- customer reachable at {phone} after 5pm, prefers email ({email})",
        "Stack trace attached. Running on {ip} with Python {version}; the env has AWS key {secret} which I rotated already.",
        '{{"customer": "{full}", "card_number": "{card}", "amount": 129.99, "currency": "USD"}}',
        "Ship it to {addr} please, and text {phone} when it is out for delivery. Many thanks, {first}",
        "Why does my invoice {invoice} list {amount} twice? Charged to {card} on {date}.",
        "My coworker {full} set up the integration with token {secret} but it stopped working after {date}.",
        "ok here is the header I'm sending: Authorization: Bearer {bearer} and the response is 401",
        "The transfer to {iban} bounced, reference {order}. Can {first} from billing look into it?",
        "For the background check: {full}, SSN {ssn}, current address {addr}.",
        "Please summarise: 'Customer {full} called from {phone} about a duplicate charge on order {order}.'",
        "Traffic spike from {ip} and {ip6} around {time}, request ids {uuid}. Rate limit them?",
        "Good morning! Could {first} call me back? I'm free until {time}. -- {full}",
    ],
    "es": [
        "Le escribo de parte de {full}. El número de contacto es {phone} y el correo {email}.",
        "La transferencia a la cuenta {iban} no ha llegado. Referencia {order}. Un saludo.",
        "Necesito cambiar la dirección de envío a {addr}, gracias {first}.",
        "Adjunto mi tarjeta {card} para el pago del pedido {order}. Atentamente, {full}",
    ],
    "de": [
        "Ich habe mit {full} telefoniert, sie meinte ich soll mich hier melden. Meine Nummer: {phone}.",
        "Rechnung {invoice}: bitte an {addr} schicken, nicht an die alte Adresse. Danke, {first}",
        "Die Lastschrift von {iban} ist fehlgeschlagen. Können Sie das prüfen? Mit freundlichen Grüßen, {full}",
        "Unser API-Schlüssel {secret} wurde versehentlich geteilt, bitte sperren. Build {version}.",
    ],
    "fr": [
        "J'ai parlé avec {full} hier, elle m'a dit de vous écrire. Mon numéro : {phone}.",
        "Veuillez livrer au {addr}. Commande {order}. Bien à vous, {first}",
        "Le prélèvement sur {iban} a été refusé le {date}. Pouvez-vous vérifier ? {full}",
        "Ma carte {card} a été débitée deux fois, montant {amount}. Merci d'avance.",
    ],
}
# Second held-out set, written after the fixes prompted by the first one; measured once, untuned.
HELDOUT2_TEMPLATES: dict[str, list[str]] = {
    "en": [
        "Following up on my call with {full}: the replacement should go to {addr}, not the billing address.",
        "Can you tell me if {email} is still the primary contact? {first} left the company last week.",
        "pls help!! card {card} declined 3 times today, bank says it's fine. my cell {phone}",
        "Rotating credentials: old key {secret}, new one is in the vault. Also our egress IP changed to {ip}.",
        "Draft a polite reply to {full} explaining the delay for order {order}; sign it as {first}.",
        "Customer said her SSN {ssn} was shown on the confirmation page?! Screenshot id {uuid}.",
        "Refund went to the wrong account. Correct IBAN: {iban}. Thanks a lot, {full}",
        "Webhook signature invalid. We send header Authorization: Bearer {bearer} from {ip6}.",
        "Who is the account owner for {email}? The invoice {invoice} is addressed to {full}.",
    ],
    "es": [
        "Buenas tardes, {first}. Te paso mis datos: {full}, {phone}, {email}.",
        "El cargo de {amount} en la tarjeta {card} no lo reconozco. ¿Me ayudan? {first}",
    ],
    "de": [
        "Hallo zusammen, bitte Lieferadresse ändern auf {addr}. Tel. {phone}. {full}",
        "Die Kreditkarte {card} wurde doppelt belastet. Kundennummer {order}. Grüße {first}",
    ],
    "fr": [
        "Salut {first}, peux-tu rappeler {full} au {phone} ? Merci !",
        "Mon adresse a changé : {addr}. Mon e-mail reste {email}.",
    ],
}
# Third held-out set, written after the fixes prompted by set 2; measured once for the report.
HELDOUT3_TEMPLATES: dict[str, list[str]] = {
    "en": [
        "hey, {first} here from accounting. the vendor's bank details changed, new IBAN {iban}. can you update?",
        "Forwarding on behalf of {full} <{email}>: she can't reset her password, tried from {ip} several times.",
        "Is it safe to paste my API key here? It's {secret}",
        "Note for next shift: {full} called twice about the charge on card {card}. Best number is {phone}.",
        "What's the weather like in Paris this weekend? Planning a trip with {first}.",
        "Summarize the attached ticket in two bullet points. Reporter: {full}. Severity: high. Build {version}.",
        "Please send the replacement to:\n{full}\n{addr}",
        "Hi,\nmy SSN {ssn} appears in the export file {uuid}.csv, please delete it.\nThanks\n{first}",
        "Why is my token rejected? I use Authorization: Bearer {bearer}",
    ],
    "es": [
        "Hola, escribo por la factura {invoice}. Mi nombre es {full} y mi móvil {phone}.",
        "Enviad la tarjeta nueva a {addr}, por favor. {first}",
    ],
    "de": [
        "Moin, hier ist {first}. Meine neue Adresse lautet {addr}. Erreichbar unter {phone}.",
        "Bitte die Gutschrift auf das Konto {iban} buchen. Vielen Dank, {full}",
    ],
    "fr": [
        "Bonsoir, je suis {full}. Ma carte {card} a été refusée au magasin.",
        "Pouvez-vous envoyer la facture à {email} ? Cordialement,\n{full}",
    ],
}
LANG_WEIGHTS = {"en": 0.55, "es": 0.15, "de": 0.15, "fr": 0.15}
FAKER_LOCALES = {"en": "en_US", "es": "es_ES", "de": "de_DE", "fr": "fr_FR"}

_CARD_SPECS = [  # (brand, prefixes, lengths)
    ("visa", ["4"], [13, 16, 19]),
    ("mastercard", ["51", "53", "55", "2221", "2500", "2720"], [16]),
    ("amex", ["34", "37"], [15]),
    ("discover", ["6011", "65", "644"], [16, 19]),
    ("jcb", ["3528", "3589"], [16]),
    ("diners", ["36", "300", "38"], [14]),
    ("maestro", ["6759", "5018", "6304"], [12, 16, 19]),
    ("unionpay", ["62"], [16, 19]),
]
_IBAN_SPECS = {"ES": 24, "DE": 22, "FR": 27, "GB": 22, "NL": 18, "IT": 27, "BE": 16}
EN_STREETS = [
    "Elm",
    "Oak",
    "Maple",
    "Cedar",
    "Pine",
    "Washington",
    "Lake",
    "Hill",
    "Park",
    "Main",
    "Sunset",
    "Highland",
    "Jefferson",
    "Lincoln",
    "Willow",
    "Chestnut",
    "Walnut",
    "River",
    "Meadow",
    "Spring",
]
EN_SUFFIX = ["Street", "Avenue", "Road", "Lane", "Drive", "Boulevard", "Court", "Way", "Place", "St", "Ave"]
EN_CITIES = [
    ("Springfield", "IL"),
    ("Austin", "TX"),
    ("Portland", "OR"),
    ("Denver", "CO"),
    ("Madison", "WI"),
    ("Columbus", "OH"),
    ("Raleigh", "NC"),
    ("Boise", "ID"),
]
ES_STREETS = [
    "Calle Mayor",
    "Calle de Alcalá",
    "Avenida de la Constitución",
    "Paseo de Gracia",
    "Calle Serrano",
    "Avenida Diagonal",
    "Calle del Carmen",
    "Plaza Mayor",
]
ES_CITIES = ["Madrid", "Barcelona", "Sevilla", "Valencia", "Bilbao", "Málaga"]
DE_STREETS = [
    "Hauptstraße",
    "Bahnhofstraße",
    "Schillerstraße",
    "Goethestraße",
    "Berliner Straße",
    "Lindenweg",
    "Gartenstraße",
    "Marktplatz",
    "Kastanienallee",
]
DE_CITIES = ["Berlin", "München", "Hamburg", "Köln", "Leipzig", "Stuttgart"]
FR_STREETS = [
    "rue de la Paix",
    "avenue Victor Hugo",
    "boulevard Saint-Michel",
    "rue du Faubourg Saint-Honoré",
    "place de la République",
    "rue des Lilas",
    "avenue Jean Jaurès",
    "quai de la Tournelle",
]
FR_CITIES = ["Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Lille"]
DOMAINS = [
    "gmail.com",
    "outlook.com",
    "acme-corp.com",
    "gmx.de",
    "orange.fr",
    "telefonica.es",
    "yahoo.co.uk",
    "proton.me",
    "web.de",
    "free.fr",
]


def _luhn_complete(prefix_body: str) -> str:
    digits = [int(c) for c in prefix_body] + [0]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return prefix_body + str((10 - total % 10) % 10)


def _fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


class _Gen:
    def __init__(self, rng: random.Random, fakers: dict) -> None:
        self.r = rng
        self.fakers = fakers

    def digits(self, n: int) -> str:
        return "".join(self.r.choice(string.digits) for _ in range(n))

    def alnum(self, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def first(self, lang: str) -> str:
        return self.fakers[lang].first_name()

    def full(self, lang: str) -> str:
        return f"{self.fakers[lang].first_name()} {self.fakers[lang].last_name()}"

    def email(self, lang: str) -> str:
        f, last = (
            _fold(self.first(lang)).lower(),
            _fold(self.fakers[lang].last_name()).lower().replace(" ", ""),
        )
        user = self.r.choice(
            [
                f"{f}.{last}",
                f"{f[0]}{last}",
                f"{f}_{last}{self.r.randint(1, 99)}",
                f"{f}{self.r.randint(70, 99)}",
            ]
        )
        return re.sub(r"[^a-z0-9._]", "", user) + "@" + self.r.choice(DOMAINS)

    def phone(self, lang: str) -> str:
        r, d = self.r, self.digits
        fmts = {
            "en": [
                lambda: f"+1 ({r.randint(201, 989)}) 555-{d(4)}",
                lambda: f"({r.randint(201, 989)}) {r.randint(200, 999)}-{d(4)}",
                lambda: f"{r.randint(201, 989)}-{r.randint(200, 999)}-{d(4)}",
                lambda: f"+44 20 {d(4)} {d(4)}",
                lambda: f"07{d(3)} {d(6)}",
            ],
            "es": [
                lambda: f"+34 6{d(2)} {d(3)} {d(3)}",
                lambda: f"6{d(2)} {d(3)} {d(3)}",
                lambda: f"+34 91 {d(3)} {d(2)} {d(2)}",
            ],
            "de": [
                lambda: f"+49 30 {d(8)}",
                lambda: f"+49 151 {d(8)}",
                lambda: f"030 {d(8)}",
                lambda: f"0171 {d(7)}",
            ],
            "fr": [
                lambda: f"06 {d(2)} {d(2)} {d(2)} {d(2)}",
                lambda: f"+33 6 {d(2)} {d(2)} {d(2)} {d(2)}",
                lambda: f"01 {d(2)} {d(2)} {d(2)} {d(2)}",
            ],
        }
        return r.choice(fmts[lang])()

    def card(self) -> str:
        _, prefixes, lengths = self.r.choice(_CARD_SPECS)
        prefix, n = self.r.choice(prefixes), self.r.choice(lengths)
        num = _luhn_complete(prefix + self.digits(n - len(prefix) - 1))
        sep = self.r.choice(["", " ", "-", " "])
        if not sep:
            return num
        if n == 15:
            groups = [num[:4], num[4:10], num[10:]]
        elif n == 14:
            groups = [num[:4], num[4:10], num[10:]]
        else:
            groups = [num[i : i + 4] for i in range(0, n, 4)]
        return sep.join(groups)

    def fakecard(self) -> str:
        """16 digits in card layout whose Luhn check fails (a reference number, not a card)."""
        while True:
            num = "4" + self.digits(15)
            valid = _luhn_complete(num[:-1])
            if valid != num:
                return " ".join(num[i : i + 4] for i in range(0, 16, 4))

    def iban(self) -> str:
        cc = self.r.choice(list(_IBAN_SPECS))
        bban = self.digits(_IBAN_SPECS[cc] - 4)
        if cc in ("GB", "NL"):
            bban = "".join(self.r.choice(string.ascii_uppercase) for _ in range(4)) + bban[4:]
        if cc == "IT":
            bban = self.r.choice(string.ascii_uppercase) + bban[1:]
        rearranged = bban + cc + "00"
        check = 98 - int("".join(str(int(c, 36)) for c in rearranged)) % 97
        iban = f"{cc}{check:02d}{bban}"
        if self.r.random() < 0.6:
            return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return iban

    def ssn(self) -> str:
        return f"{self.r.choice([self.r.randint(1, 665), self.r.randint(667, 899)]):03d}-{self.r.randint(1, 99):02d}-{self.r.randint(1, 9999):04d}"

    def ip(self) -> str:
        return f"{self.r.choice([23, 34, 52, 81, 91, 145, 185, 203])}.{self.r.randint(0, 255)}.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}"

    def ip6(self) -> str:
        return "2001:db8:" + ":".join(f"{self.r.randint(0, 65535):x}" for _ in range(6))

    def addr(self, lang: str) -> str:
        r = self.r
        if lang == "en":
            city, st = r.choice(EN_CITIES)
            base = f"{r.randint(1, 9999)} {r.choice(EN_STREETS)} {r.choice(EN_SUFFIX)}"
            if r.random() < 0.3:
                base += f", Apt {r.randint(1, 40)}"
            return base + (f", {city}, {st} {self.digits(5)}" if r.random() < 0.8 else "")
        if lang == "es":
            return f"{r.choice(ES_STREETS)} {r.randint(1, 200)}, {r.randint(1, 52):02d}{self.digits(3)} {r.choice(ES_CITIES)}"
        if lang == "de":
            return f"{r.choice(DE_STREETS)} {r.randint(1, 200)}, {self.digits(5)} {r.choice(DE_CITIES)}"
        return f"{r.randint(1, 150)} {r.choice(FR_STREETS)}, {r.randint(10, 95)}{self.digits(3)} {r.choice(FR_CITIES)}"

    def secret(self) -> str:
        r = self.r
        kind = r.choice(["openai", "openai_proj", "anthropic", "aws", "github", "github_pat", "slack"])
        return {
            "openai": lambda: "sk-" + self.alnum(48),
            "openai_proj": lambda: "sk-proj-" + self.alnum(64, string.ascii_letters + string.digits + "_-"),
            "anthropic": lambda: (
                "sk-ant-api03-" + self.alnum(93, string.ascii_letters + string.digits + "_-") + "AA"
            ),
            "aws": lambda: "AKIA" + self.alnum(16, string.ascii_uppercase + string.digits),
            "github": lambda: "ghp_" + self.alnum(36),
            "github_pat": lambda: "github_pat_" + self.alnum(22) + "_" + self.alnum(59),
            "slack": lambda: f"xoxb-{self.digits(11)}-{self.digits(13)}-{self.alnum(24)}",
        }[kind]()

    def bearer(self) -> str:
        if self.r.random() < 0.5:
            head = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
            return f"{head}.eyJ{self.alnum(40, string.ascii_letters + string.digits + '_-')}.{self.alnum(43, string.ascii_letters + string.digits + '_-')}"
        return self.alnum(40, string.ascii_letters + string.digits + "._-")

    def pw(self) -> str:
        word = self.r.choice(
            ["Summer", "Winter", "Dragon", "Sunshine", "Barcelona", "Monkey", "Passw0rd", "Qwerty"]
        )
        return f"{word}{self.r.randint(1, 2025)}{self.r.choice(['!', '#', '$', '', '?'])}"

    def apikey(self) -> str:
        return self.alnum(32, string.ascii_lowercase + string.digits)


def _distractor(g: _Gen, slot: str) -> str:
    r = g.r
    return {
        "order": lambda: r.choice(
            [f"#{r.randint(10000, 99999)}", f"ORD-{r.randint(2019, 2025)}-{g.digits(5)}", f"A-{g.digits(6)}"]
        ),
        "uuid": lambda: "-".join(g.alnum(n, "0123456789abcdef") for n in (8, 4, 4, 4, 12)),
        "version": lambda: f"{r.randint(1, 12)}.{r.randint(0, 30)}.{r.randint(0, 99)}",
        "date": lambda: r.choice(
            [
                f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
                f"{r.randint(1, 28)}/{r.randint(1, 12)}/2024",
                "March 3rd",
            ]
        ),
        "time": lambda: f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}",
        "amount": lambda: r.choice(
            [f"${r.randint(5, 2000)}.{g.digits(2)}", f"{r.randint(5, 2000)},{g.digits(2)} €"]
        ),
        "errcode": lambda: r.choice(
            [f"E{g.digits(4)}", f"0x{g.alnum(8, '0123456789ABCDEF')}", f"ERR-{g.digits(3)}"]
        ),
        "invoice": lambda: f"INV-{g.digits(8)}",
        "tracking": lambda: f"1Z{g.alnum(6, string.ascii_uppercase + string.digits)}{g.digits(10)}",
        "sha": lambda: g.alnum(40, "0123456789abcdef"),
        "smallint": lambda: str(r.randint(1, 99999)),
        "ticket": lambda: f"#{g.digits(6)}",
        "year": lambda: str(r.randint(2005, 2023)),
        "username": lambda: r.choice(["dev_user", "blue_fox", "admin2", "jdoe_test", "k8s-runner"]),
        "last4": lambda: g.digits(4),
        "expiry": lambda: f"{r.randint(1, 12):02d}/{r.randint(25, 31)}",
        "fakecard": lambda: g.fakecard(),
    }[slot]()


def build_corpus(n: int = 2000, seed: int = 20240601, heldout: bool | int = False) -> list[Record]:
    """`n` records with gold spans; deterministic for (n, seed, heldout, Faker version).

    heldout: False/0 = the tuning templates, 1 (or True) = first held-out set, 2 = second, 3 = third.
    """
    templates = {0: TEMPLATES, 1: HELDOUT_TEMPLATES, 2: HELDOUT2_TEMPLATES, 3: HELDOUT3_TEMPLATES}[
        int(heldout)
    ]
    try:
        from faker import Faker
    except ImportError as exc:  # pragma: no cover
        raise SystemExit(
            "benchmarks/pii.py needs the dev dependency faker==40.54.0 (pip install faker==40.54.0)"
        ) from exc
    rng = random.Random(seed)
    fakers = {}
    for lang, loc in FAKER_LOCALES.items():
        fk = Faker(loc)
        fk.seed_instance(seed + len(lang) + ord(lang[0]))
        fakers[lang] = fk
    g = _Gen(rng, fakers)
    langs, weights = zip(*LANG_WEIGHTS.items(), strict=True)
    records = []
    for _ in range(n):
        lang = rng.choices(langs, weights)[0]
        k = rng.choices([1, 2, 3], [0.3, 0.55, 0.15])[0]  # ~190 characters on average
        text: list[str] = []
        spans: list[tuple[int, int, str]] = []
        for j in range(k):
            if j:
                text.append("\n")  # consecutive chat messages, one per line
            _fill(g, lang, rng.choice(templates[lang]), text, spans)
        records.append(Record("".join(text), spans, lang))
    return records


def _fill(g: _Gen, lang: str, template: str, text: list[str], spans: list[tuple[int, int, str]]) -> None:
    pos = 0
    for m in re.finditer(r"\{(\w+)\}|\{\{|\}\}", template):
        text.append(template[pos : m.start()])
        pos = m.end()
        if m.group(1) is None:
            text.append(m.group()[0])
            continue
        slot = m.group(1)
        if slot in SLOT_TYPES:
            value = {
                "full": lambda: g.full(lang),
                "first": lambda: g.first(lang),
                "first2": lambda: g.first(lang),
                "email": lambda: g.email(lang),
                "phone": lambda: g.phone(lang),
                "card": g.card,
                "iban": g.iban,
                "ssn": g.ssn,
                "ip": g.ip,
                "addr": lambda: g.addr(lang),
                "secret": g.secret,
                "pw": g.pw,
                "apikey": g.apikey,
                "bearer": g.bearer,
                "ip6": g.ip6,
            }[slot]()
            start = sum(len(t) for t in text)
            spans.append((start, start + len(value), SLOT_TYPES[slot]))
        else:
            value = _distractor(g, slot)
        text.append(value)
    text.append(template[pos:])
