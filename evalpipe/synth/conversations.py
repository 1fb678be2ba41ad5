"""Conversation content for the fictional Brightdesk support assistant.

Each template is a list of pieces: plain strings and `{slot}` placeholders.  Filling a template
goes through `Text`, which records the character span of every PII value it inserts, so the
generator can write gold spans without searching for values afterwards.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from evalpipe.synth import pii_values as pv

INTENT_WEIGHTS = [22, 18, 14, 9, 16, 11, 5, 5]  # in the order of INTENTS (the classifier's taxonomy)
LANGUAGES = ["en", "es", "de", "fr", "pt", "it", "nl"]
LANGUAGE_WEIGHTS = [68, 11, 8, 7, 2, 2, 2]

# Slot -> PII entity type recorded in the gold file.
SLOT_ENTITY = {
    "name": "PERSON",
    "first": "PERSON",
    "name2": "PERSON",
    "email": "EMAIL_ADDRESS",
    "email2": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER",
    "card": "CREDIT_CARD",
    "iban": "IBAN_CODE",
    "ip": "IP_ADDRESS",
    "ssn": "US_SSN",
    "address": "STREET_ADDRESS",
    "api_key": "API_KEY",
}

USER_TEMPLATES: dict[str, dict[str, list[str]]] = {
    "pricing": {
        "en": [
            "How much does the {plan} plan cost per user?",
            "We're a team of {n} agents. What would Business cost us per month if we pay annually?",
            "Hi, I'm {name} from {company}. Is there a discount for non-profits?",
            "Can you send a quote for {n} seats on Team to {email}? Thanks, {first}",
            "What's the difference between Team and Business pricing?",
            "Is there a free trial, and do I need a credit card for it?",
        ],
        "es": [
            "¿Cuánto cuesta el plan {plan} por usuario?",
            "Hola, soy {name}. ¿Hay descuento por pago anual? Mi correo es {email}",
        ],
        "de": [
            "Was kostet der {plan}-Tarif pro Nutzer?",
            "Hallo, ich bin {name}. Gibt es Rabatt für gemeinnützige Vereine? Rückruf bitte unter {phone}",
        ],
        "fr": [
            "Combien coûte le forfait {plan} par utilisateur ?",
            "Bonjour, je suis {name}. Y a-t-il une remise pour un paiement annuel ?",
        ],
        "pt": ["Quanto custa o plano {plan} por usuário?"],
        "it": ["Quanto costa il piano {plan} per utente?"],
        "nl": ["Wat kost het {plan}-abonnement per gebruiker?"],
    },
    "billing": {
        "en": [
            "I was charged twice this month on my card {card}. Can you refund one of the charges?",
            "Please switch our billing to SEPA. IBAN {iban}, account holder {name}.",
            "Where do I find the invoice for October? Our billing email is {email}.",
            "My card was declined. New card is {card}, exp 09/28, billing address {address}.",
            "Can I get a refund? We were charged 20 days ago. -- {first}",
            "Why is VAT on my invoice? We're a company in Germany.",
        ],
        "es": [
            "Me cobraron dos veces en la tarjeta {card}. ¿Pueden devolverme un cargo?",
            "Quiero pagar por domiciliación. Mi IBAN es {iban} por favor, titular {name}.",
        ],
        "de": [
            "Bitte buchen Sie künftig per Lastschrift ab: IBAN {iban}, Kontoinhaber {name}.",
            "Wo finde ich meine Rechnungen? Rechnungsadresse: {address}",
        ],
        "fr": [
            "J'ai été débité deux fois sur ma carte {card}, pouvez-vous rembourser ?",
            "Où trouver mes factures ? Mon adresse e-mail est {email}.",
        ],
        "pt": ["Fui cobrado duas vezes no cartão {card}."],
        "it": ["Dove trovo le mie fatture? La mia email è {email}."],
        "nl": ["Ik ben twee keer afgeschreven, IBAN {iban}."],
    },
    "features": {
        "en": [
            "Does the Team plan include SLA policies?",
            "What's the API rate limit on the Business plan?",
            "Can Brightdesk integrate with Jira and Slack?",
            "Do you have AI reply suggestions on Team?",
            "Are webhooks available on Starter?",
        ],
        "es": ["¿El plan Team incluye políticas de SLA?", "¿Se integra con Slack?"],
        "de": ["Gibt es eine Integration mit Jira?", "Wie hoch ist das API-Limit im Business-Tarif?"],
        "fr": ["Est-ce que Brightdesk s'intègre avec Salesforce ?"],
        "pt": ["O Brightdesk integra com o Shopify?"],
        "it": ["Brightdesk si integra con Slack?"],
        "nl": ["Heeft Brightdesk een integratie met Zapier?"],
    },
    "cancellation": {
        "en": [
            "I want to cancel my subscription. The account owner is {name}, {email}.",
            "If I cancel today, what happens to my data?",
            "How do I cancel? I'm not the owner, the owner is {name}.",
            "Please close our account and stop charging card {card}.",
        ],
        "es": ["Quiero cancelar mi suscripción. Soy {name}, teléfono {phone}."],
        "de": ["Ich möchte kündigen. Was passiert mit unseren Daten?"],
        "fr": ["Je veux résilier mon abonnement. Merci, {first}"],
        "pt": ["Quero cancelar a minha assinatura."],
        "it": ["Voglio disdire l'abbonamento."],
        "nl": ["Ik wil mijn abonnement opzeggen."],
    },
    "troubleshooting": {
        "en": [
            "Webhooks to our endpoint keep failing. Our server IP is {ip}.",
            "SSO keeps looping back to the login page for {name} ({email}).",
            "Our API calls return 401 with key {api_key}, what's wrong?",
            "Email forwarding isn't working for {email}. Call me at {phone}.",
            "The chat widget doesn't load on our site. Our office IP is {ip}.",
            "Getting 429 errors from the API with token {api_key}",
        ],
        "es": ["El widget de chat no carga en nuestra web. Llámame al {phone}."],
        "de": ["Der SSO-Login hängt in einer Schleife. Betroffen ist {name}."],
        "fr": ["Les webhooks échouent depuis ce matin. Notre IP est {ip}."],
        "pt": ["O widget de chat não carrega."],
        "it": ["I webhook non funzionano."],
        "nl": ["De e-maildoorsturing werkt niet voor {email}."],
    },
    "account": {
        "en": [
            "Please transfer ownership to {name2}, {email}. My SSN is {ssn} if you need to verify me.",
            "I need to change my login email from {email} to {email2}.",
            "Update our company address to {address}.",
            "How do I turn on two-factor authentication?",
            "Hi, this is {name}. I'm locked out, my phone is {phone}.",
        ],
        "es": ["Necesito cambiar el correo de acceso a {email}."],
        "de": ["Bitte ändern Sie unsere Firmenadresse auf {address}."],
        "fr": ["Comment activer la double authentification ? Cordialement, {name}"],
        "pt": ["Como ativo a autenticação de dois fatores?"],
        "it": ["Come cambio l'email di accesso?"],
        "nl": ["Hoe zet ik twee-factor-authenticatie aan?"],
    },
    "off_topic": {
        "en": [
            "Can you write me a poem about cats?",
            "What's the weather in Paris tomorrow?",
            "Who won the football game last night?",
            "Tell me a joke.",
        ],
        "es": ["¿Me cuentas un chiste?"],
        "de": ["Wie wird das Wetter morgen?"],
        "fr": ["Raconte-moi une blague."],
        "pt": ["Conte uma piada."],
        "it": ["Raccontami una barzelletta."],
        "nl": ["Vertel een grap."],
    },
    "competitor": {
        "en": [
            "Is Brightdesk better than Zendesk?",
            "Why should we switch from Freshdesk? They're cheaper.",
            "How does your pricing compare to Intercom?",
            "Help Scout offers a free plan, do you?",
        ],
        "es": ["¿Es mejor que Zendesk?"],
        "de": ["Warum sollten wir von Freshdesk wechseln?"],
        "fr": ["Pourquoi choisir Brightdesk plutôt qu'Intercom ?"],
        "pt": ["É melhor que o Zendesk?"],
        "it": ["È meglio di Zendesk?"],
        "nl": ["Is Brightdesk beter dan Zendesk?"],
    },
}

FOLLOW_UPS = {
    "en": [
        "And what about the Enterprise plan?",
        "Thanks. Can you also email that to {email}?",
        "That didn't work. Anything else I can try?",
        "Great, thanks {first}! One more: how do I export data?",
        "Ok. My colleague {name} will follow up.",
        "Thanks, that worked. Cheers, {first}",
    ],
    "es": ["Gracias. ¿Y el plan Enterprise?", "No funcionó. ¿Qué más puedo probar?"],
    "de": ["Danke. Und der Enterprise-Tarif?", "Das hat nicht geklappt."],
    "fr": ["Merci. Et le forfait Enterprise ?", "Ça n'a pas marché."],
}

ANSWERS: dict[str, list[str]] = {
    "pricing": [
        "The {plan} plan is {price} per user per month. Annual billing gives you 2 months free.",
        "Starter is $12, Team is $29 and Business is $59 per user per month; Enterprise is custom.",
        "Every new workspace gets a 14-day free trial of Team, no credit card required.",
        "Registered non-profits get 50% off Team and Business.",
    ],
    "billing": [
        "I'm sorry about the double charge. Charges can be refunded within 14 days of the payment date; "
        "I've flagged it for our billing team.",
        "Invoices are issued on the 1st of each month and are in Settings → Billing → Invoices.",
        "SEPA direct debit is available for annual plans over $5,000.",
        "EU customers are charged VAT unless a valid VAT ID is entered in Settings → Billing.",
    ],
    "features": [
        "Yes, SLA policies are included on Team and above.",
        "The API rate limit is 600 requests per minute on Business.",
        "Brightdesk integrates natively with Slack, Jira, Salesforce, Shopify and Zapier.",
        "AI reply suggestions are available on Business and Enterprise.",
    ],
    "cancellation": [
        "You can cancel anytime in Settings → Billing → Cancel subscription; only the owner can "
        "cancel. Your data is kept for 30 days after the subscription ends.",
        "After cancelling you keep access until the end of the billing period.",
    ],
    "troubleshooting": [
        "Brightdesk retries failed webhooks 5 times over 24 hours; your endpoint must answer "
        "with a 2xx within 10 seconds.",
        "For an SSO login loop, clear cookies and check the SAML ACS URL in Settings → Security.",
        "Please check that the API key is active in Settings → Developers.",
        "Add *.brightdesk.io to your Content-Security-Policy allowlist.",
    ],
    "account": [
        "Ownership can be transferred in Settings → Account → Owner; the new owner accepts by email.",
        "Turn on 2FA in Settings → Account → Security with an authenticator app.",
        "Changing your login email requires confirming a link sent to the new address.",
    ],
    "off_topic": [
        "I can only help with Brightdesk questions. Is there anything about your account I can do?"
    ],
    "competitor": [
        "I can't speak for other vendors, but Brightdesk Team includes automations and SLA policies "
        "at $29 per user per month.",
        "Brightdesk offers a 14-day free trial of Team so you can compare for yourself.",
    ],
}

KB_FOR_INTENT = {
    "pricing": ["pricing"],
    "billing": ["billing"],
    "features": ["features"],
    "cancellation": ["cancellation", "billing"],
    "troubleshooting": ["troubleshooting"],
    "account": ["account"],
    "off_topic": [],
    "competitor": ["pricing", "features"],
}

PLANS = [("Starter", "$12"), ("Team", "$29"), ("Business", "$59")]

FEEDBACK_COMMENTS_POS = [
    "Great, thanks!",
    "Quick and correct.",
    "Helpful answer.",
    "Perfect, that solved it.",
]
FEEDBACK_COMMENTS_NEG = [
    "Wrong price.",
    "Didn't answer my question.",
    "Too vague.",
    "This is wrong, I'm {name}, call me at {phone}.",
    "Useless. Email me at {email}",
    "The bot ignored what I said about my card {card}.",
]


@dataclass
class Persona:
    lang: str
    first: str
    last: str
    email: str
    email2: str
    phone: str
    card: str
    iban: str
    ip: str
    ssn: str
    address: str
    api_key: str
    company: str
    first2: str
    last2: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def make_persona(rng: random.Random, lang: str) -> Persona:
    first, last = pv.person(rng, lang)
    first2, last2 = pv.person(rng, lang)
    addr_lang = lang if lang in pv.STREETS else "en"
    return Persona(
        lang=lang,
        first=first,
        last=last,
        email=pv.email(rng, first, last),
        email2=pv.email(rng, first, last),
        phone=pv.phone(rng, lang),
        card=pv.card(rng),
        iban=pv.iban(rng, {"de": "DE", "es": "ES", "fr": "FR"}.get(lang)),
        ip=pv.ipv4(rng) if rng.random() < 0.85 else pv.ipv6(rng),
        ssn=pv.ssn(rng),
        address=pv.address(rng, addr_lang),
        api_key=pv.api_key(rng),
        company=rng.choice(pv.COMPANIES),
        first2=first2,
        last2=last2,
    )


@dataclass
class Span:
    entity: str
    value: str
    start: int
    end: int


@dataclass
class Text:
    """A string plus the gold spans of the PII values planted in it."""

    text: str
    spans: list[Span] = field(default_factory=list)


_SLOT = re.compile(r"\{(\w+)\}")


def fill(template: str, persona: Persona, extra: dict[str, str] | None = None) -> Text:
    """Fill `{slot}`s from the persona, recording a gold span for every PII slot."""
    values = {
        "name": persona.name,
        "first": persona.first,
        "name2": f"{persona.first2} {persona.last2}",
        "email": persona.email,
        "email2": persona.email2,
        "phone": persona.phone,
        "card": persona.card,
        "iban": persona.iban,
        "ip": persona.ip,
        "ssn": persona.ssn,
        "address": persona.address,
        "api_key": persona.api_key,
        "company": persona.company,
    }
    values.update(extra or {})
    out, spans, pos = [], [], 0
    for m in _SLOT.finditer(template):
        out.append(template[pos : m.start()])
        start = sum(len(p) for p in out)
        val = values[m.group(1)]
        out.append(val)
        if m.group(1) in SLOT_ENTITY:
            spans.append(Span(SLOT_ENTITY[m.group(1)], val, start, start + len(val)))
        pos = m.end()
    out.append(template[pos:])
    return Text("".join(out), spans)
