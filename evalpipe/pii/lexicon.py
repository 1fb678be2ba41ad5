"""What is *known to be safe*: common words per language (`wordfreq`) and product vocabulary.

Philter (UCSF) reached high recall by removing what is not known to be safe rather than chasing
every name shape.  Here "safe" is: a common word of one of the log languages (wordfreq's 'best'
lists, which ship inside the wheel: no download, works offline), a product / plan / company /
technology term (built-in list + `allow_terms` from data/pii.yaml), or a short token.  wordfreq's
lists also contain frequent names ("john", "smith", "tanaka"), so a token counts as a common
*word* only when its Zipf frequency is high enough and it is not in the first-name lexicon.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

from evalpipe.pii.alternation import literal_alternation
from evalpipe.pii.names import AMBIGUOUS, FIRST_NAMES

LANGS: tuple[str, ...] = ("en", "de", "fr", "es", "nl", "it", "pt")
EXTRA_LANGS: tuple[str, ...] = ("ru", "ar", "hi", "ja", "zh", "pl", "tr", "sv")
_TOP_N = 80_000

# Technology, products, plans and companies that appear capitalised in support logs and are not
# people.  Multi-word terms are matched as phrases.  Deliberately generic, not taken from a corpus.
PRODUCT_TERMS: tuple[str, ...] = tuple(
    """
Android iOS iPadOS macOS Windows Linux Ubuntu Debian Fedora ChromeOS Chrome Chromium Firefox Safari Edge Opera Brave
Vivaldi Samsung Galaxy Pixel iPhone iPad Mac MacBook iMac AirPods Kindle Alexa Siri Cortana Bixby
Google Gmail Outlook Hotmail Yahoo Microsoft Apple Amazon AWS Azure GCP Oracle IBM SAP Salesforce HubSpot Zendesk
Freshdesk Intercom Shopify WooCommerce WordPress Magento Squarespace Wix Stripe PayPal Venmo Klarna Adyen Braintree
Revolut Wise N26 Monzo Visa Mastercard Maestro Amex RuPay JCB UnionPay SEPA SWIFT ACH
Jira Confluence Trello Asana Notion Slack Teams Zoom Webex Skype Discord Telegram WhatsApp Signal Messenger
Facebook Instagram LinkedIn Twitter TikTok YouTube Reddit Pinterest Snapchat Netflix Spotify Uber Lyft Airbnb
Booking Expedia eBay Etsy Dropbox OneDrive SharePoint iCloud Box Figma Canva Miro Airtable Zapier Okta Auth0
Twilio SendGrid Mailgun Mailchimp Postmark Segment Mixpanel Amplitude Datadog Sentry PagerDuty Grafana Prometheus
Kibana Elasticsearch Splunk Cloudflare Akamai Fastly Vercel Netlify Heroku DigitalOcean Linode Hetzner OVH
GitHub GitLab Bitbucket Jenkins CircleCI Travis Docker Kubernetes Helm Terraform Ansible Puppet Chef Vagrant
Python Java JavaScript TypeScript Node Deno React Angular Vue Svelte Django Flask FastAPI Rails Ruby PHP Laravel Go
Golang Rust Kotlin Swift Scala Perl Bash PowerShell Excel Word PowerPoint Access OneNote Sheets Docs Drive Calendar
Postgres PostgreSQL MySQL MariaDB SQLite MongoDB Redis Kafka RabbitMQ Snowflake BigQuery Redshift Databricks DuckDB
OpenAI ChatGPT GPT Claude Anthropic Gemini Bard Copilot Llama Mistral Cohere HuggingFace
Bearer Basic OAuth SAML SSO SCIM LDAP JWT API SDK CLI REST GraphQL JSON YAML XML CSV PDF HTTP HTTPS SMTP IMAP DNS
VPN SSL TLS SSH FTP SFTP DKIM SPF DMARC MFA 2FA OTP TOTP CAPTCHA reCAPTCHA Cloud Pro Plus Premium Enterprise
Business Starter Team Free Standard Professional Ultimate Admin Owner
Schwab Fidelity Vanguard Barclays HSBC Santander BBVA Commerzbank ING Rabobank
UniCredit Lloyds NatWest Citibank DHL FedEx UPS USPS Hermes GLS DPD PostNL Correos Chronopost
Brightdesk Gorgias Kustomer Gladly LiveChat Tidio
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March July
September October November December Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag
""".split()
) + (
    "Acme Cloud",
    "Jira Cloud",
    "Dark Mode",
    "Charles Schwab",
    "Hugging Face",
    "New Relic",
    "Deutsche Bank",
    "Wells Fargo",
    "Capital One",
    "American Express",
    "Royal Mail",
    "La Poste",
    "Help Scout",
    "Google Workspace",
    "Microsoft 365",
    "Office 365",
    "Google Cloud",
    "Azure AD",
    "Light Mode",
    "Safe Mode",
    "BNP Paribas",
    "Société Générale",
    "Crédit Agricole",
    "ABN AMRO",
    "Intesa Sanpaolo",
    "Jira Service Management",
    # brands, shops and cars named after people: a name finder's classic false positives
    "Marks & Spencer",
    "Johnson & Johnson",
    "Ernst & Young",
    "Procter & Gamble",
    "Ben & Jerry's",
    "Dr. Martens",
    "Dr Martens",
    "Dr Pepper",
    "Dr. Pepper",
    "Calvin Klein",
    "Tommy Hilfiger",
    "Ralph Lauren",
    "Hugo Boss",
    "Louis Vuitton",
    "Christian Dior",
    "Giorgio Armani",
    "Tim Hortons",
    "McDonald's",
    "Wendy's",
    "Krispy Kreme",
    "Harley-Davidson",
    "Mercedes-Benz",
    "Rolls-Royce",
    "Aston Martin",
    "Ford Focus",
    "Ford Fiesta",
    "Tesla Model 3",
    "Tesla Model Y",
    "Toyota Corolla",
    "Walt Disney",
    "Disney+",
    "Goldman Sachs",
    "Morgan Stanley",
    "Lonely Planet",
)


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Lower case, accents folded: 'Lucía' and 'lucia' are one entry (cached: called per token)."""
    w = unicodedata.normalize("NFKD", word.casefold().replace("’", "'"))
    return "".join(c for c in w if not unicodedata.combining(c))


@cache
def _zipf_table(lang: str) -> dict[str, float]:
    """lower-cased word -> Zipf frequency for the top words of `lang` (wordfreq's bundled 'best' list).

    Read from the frequency list itself (`get_frequency_dict`), not `zipf_frequency`, which would
    tokenise and for zh/ja needs jieba/MeCab.
    """
    import math
    import os
    import pickle
    import tempfile
    from importlib.metadata import version

    cache = Path(os.environ.get("EVALPIPE_CACHE_DIR") or tempfile.gettempdir()) / (
        f"evalpipe-wordfreq-{version('wordfreq')}-{lang}-{_TOP_N}-cf.pkl"
    )
    try:
        return pickle.loads(cache.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError):
        pass
    from wordfreq import get_frequency_dict

    freqs = get_frequency_dict(lang, "best")
    top = sorted(freqs.items(), key=lambda kv: -kv[1])[:_TOP_N]
    table: dict[str, float] = {}
    for w, f in top:
        key = w.casefold()  # accents kept: folding merges "serão" (a verb) with the surname "Serao"
        if key not in table:
            table[key] = round(math.log10(f) + 9, 2)
    try:  # a derived cache of the bundled list: rebuilt when missing, never required
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(table))
        tmp.replace(cache)
    except OSError:
        pass
    return table


def zipf(word: str, langs: tuple[str, ...] = LANGS) -> float:
    """Highest Zipf frequency of `word` over `langs` (0 when in none of the top lists)."""
    w = word.casefold().replace("’", "'")
    return max((_zipf_table(lang).get(w, 0.0) for lang in langs), default=0.0)


def load_all() -> None:
    """Load every table now (before forking workers, so they share it)."""
    for lang in LANGS:
        _zipf_table(lang)
    _product_terms()
    _lexicon_names()
    _lexicon_surnames()


def _name_list(filename: str) -> frozenset[str]:
    """A names-dataset derived list in data/ (one name per line, '#' comments), lower-cased."""
    lines = (Path(__file__).with_name("data") / filename).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def _lexicon_names() -> frozenset[str]:
    """names-dataset's top first names per country (data/first_names.txt)."""
    return _name_list("first_names.txt")


@lru_cache(maxsize=1)
def _lexicon_surnames() -> frozenset[str]:
    """names-dataset's top last names per country (data/last_names.txt)."""
    return _name_list("last_names.txt")


def is_surname(word: str, langs: tuple[str, ...] = LANGS, max_zipf: float = 5.0) -> bool:
    """A names-dataset last name that is not a frequent word of `langs` (Zipf < `max_zipf`).

    For a lower-case word right after a first name ("maria gonzalez", "john smith"): the list is
    noisy ("said", "young" are surnames somewhere), so frequency decides; a hyphenated or particle
    surname ("al-sayed", "van-dijk") counts when its last part does."""
    c = word.casefold()
    parts = [p for p in re.split(r"[-'’]", c) if p]
    if not parts or zipf(word, langs) >= max_zipf:
        return False
    return c in _lexicon_surnames() or (len(parts) > 1 and parts[-1] in _lexicon_surnames())


def is_first_name(word: str, langs: tuple[str, ...] | None = None) -> bool:
    """In the hand gazetteer, or a names-dataset first name that is not also a frequent word.

    `langs` are the languages of the text the word stands in.  wordfreq's lists count names too
    ("paolo" has Zipf 5.0 in Italian), so with `langs` given a name is noise only when it is a
    frequent word *there* (Zipf >= 4.5) or a very frequent word anywhere (>= 5.5): "Paolo" and
    "Vittoria" are names in an English sentence, "Tage" is not one in a German one.  Without
    `langs`, any log language counts (the stricter, older rule).
    """
    w = fold(word)
    if w in FIRST_NAMES or w in AMBIGUOUS:
        return True
    c = word.casefold()
    if c not in _lexicon_names() and w not in _lexicon_names():
        return False
    # the list is noisy ("Apple", "Data"); names with diacritics ("João", "Zoë") rarely are noise
    if not word.isascii():
        return zipf(word) < 6.0
    if langs is None:
        return zipf(word) < 4.5
    return zipf(word, langs) < 4.5 and zipf(word) < 5.5


def is_common_word(word: str, langs: tuple[str, ...] = LANGS, min_zipf: float = 3.5) -> bool:
    """A frequent word of the log languages that is not (also) a first name."""
    if is_first_name(word, None if langs == LANGS else langs):
        return False
    return zipf(word, langs) >= min_zipf


def is_word_in(word: str, langs: tuple[str, ...], min_zipf: float, elsewhere: float = 5.5) -> bool:
    """A frequent word of the text's languages, or a very frequent one of any log language.

    For name decisions: "Serra" (Portuguese 'mountain range', Zipf 4.8) is no ordinary word of an
    English sentence, but "Does" or "Bitte" is one of every text it stands in.
    """
    return zipf(word, langs) >= min_zipf or zipf(word) >= max(min_zipf, elsewhere)


@lru_cache(maxsize=1)
def _product_terms() -> tuple[frozenset[str], frozenset[str]]:
    single = frozenset(fold(t) for t in PRODUCT_TERMS if " " not in t)
    multi = frozenset(fold(t) for t in PRODUCT_TERMS if " " in t)
    return single, multi


def is_product_term(text: str, extra: frozenset[str] = frozenset()) -> bool:
    """A product / plan / company / technology term (single word or phrase), or in `extra`."""
    t = fold(" ".join(text.split()))
    single, multi = _product_terms()
    return t in single or t in multi or t in extra


def contains_product_term(text: str, extra: frozenset[str] = frozenset()) -> bool:
    """Any word or phrase of `text` is product vocabulary ("Jira Cloud admin" -> True)."""
    t = fold(" ".join(text.split()))
    single, multi = _product_terms()
    if t in multi or t in extra or any(p in t for p in multi if " " in p and p in t):
        return True
    words = t.split()
    return any(w in single or w in extra for w in words if w not in FIRST_NAMES)


def safe_token(word: str, langs: tuple[str, ...] = LANGS, extra: frozenset[str] = frozenset()) -> bool:
    """Known to be safe: short, a common word, or product vocabulary."""
    core = word.strip(".,;:!?()[]{}\"'«»“”")
    if len(core) <= 2:
        return True
    return is_product_term(core, extra) or is_common_word(core, langs)


@lru_cache(maxsize=8)
def _phrase_re(extra: frozenset[str]) -> re.Pattern[str] | None:
    phrases = sorted(
        {t for t in PRODUCT_TERMS if " " in t} | {t for t in extra if " " in t}, key=len, reverse=True
    )
    if not phrases:
        return None
    return re.compile(
        r"(?<!\w)(?:" + literal_alternation(phrases, ignore_case=True) + r")(?!\w)", re.IGNORECASE
    )


def product_spans(text: str, extra: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """Where multi-word product / company terms ("Charles Schwab", "Jira Cloud") occur in `text`."""
    rx = _phrase_re(extra)
    return [m.span() for m in rx.finditer(text)] if rx is not None else []
