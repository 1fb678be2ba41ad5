"""Secrets: Yelp's `detect-secrets` provider rules + a known-prefix list for providers it lacks.

`detect-secrets` is built for source files (one line, a filename, a baseline); what it gives a log
scrubber is its maintained provider regexes (AWS, Azure storage, GitHub, GitLab, JWT, Slack,
Stripe, Twilio, SendGrid, Telegram, Discord, Mailchimp, npm, OpenAI, PyPI, Square, Artifactory...),
its keyword deny-list (the names under which secrets are assigned) and its entropy limits.  Those
are used here directly, with positions, on free text.  On top, rules for what log lines carry that
source files rarely do: Hugging Face / npm / webhook-signing / Mailgun / Azure AD tokens, Slack and
Discord webhook URLs, `.env` dumps, PuTTY and SSH2 private keys, PEM bodies without their header,
`curl -u user:pass`, `scheme://user:pw@host` (also with an empty user), "my password is ...",
a 40-character cloud secret key introduced by "key" / "secret" without `=`.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from evalpipe.pii.identifiers import Hit
from evalpipe.pii.validators import shannon_entropy

PSEUDONYM_RE = re.compile(r"<[A-Z][A-Z_]*?_[0-9a-f]{4,16}>|<[A-Z][A-Z_]*>")

# detect-secrets plugins whose deny-list regexes are used as-is (provider formats).
_DS_PLUGINS = (
    "aws.AWSKeyDetector", "azure_storage_key.AzureStorageKeyDetector", "discord.DiscordBotTokenDetector",
    "github_token.GitHubTokenDetector", "gitlab_token.GitLabTokenDetector", "jwt.JwtTokenDetector",
    "mailchimp.MailchimpDetector", "npm.NpmDetector", "openai.OpenAIDetector", "pypi_token.PypiTokenDetector",
    "sendgrid.SendGridDetector", "slack.SlackDetector", "square_oauth.SquareOAuthDetector",
    "stripe.StripeDetector", "telegram_token.TelegramBotTokenDetector", "twilio.TwilioKeyDetector",
    "artifactory.ArtifactoryDetector",
)  # fmt: skip


@lru_cache(maxsize=1)
def detect_secrets_rules() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(plugin name, compiled regex) for every provider rule of the installed detect-secrets."""
    import importlib

    out: list[tuple[str, re.Pattern[str]]] = []
    for spec in _DS_PLUGINS:
        mod, cls = spec.rsplit(".", 1)
        plugin = getattr(importlib.import_module(f"detect_secrets.plugins.{mod}"), cls)
        for rx in plugin.denylist:
            out.append((f"detect_secrets:{cls}", rx))
    return tuple(out)


@lru_cache(maxsize=1)
def _keyword_denylist() -> str:
    """detect-secrets' keyword deny-list (secret, token, api_key, passwd...) + log languages."""
    from detect_secrets.plugins.keyword import DENYLIST

    # detect-secrets turns on logging.captureWarnings at import, routing every Python warning of
    # the process into a handler-less logger (so they vanish); undo that side effect.
    logging.captureWarnings(False)

    own = (
        "contraseña", "contrasena", "clave", "passwort", "kennwort", "mot de passe", "mdp", "wachtwoord",
        "senha", "parola d'ordine", "passcode", "passphrase", "x-api-key", "api-key", "apikey",
        "access[_-]?key", "secret[_-]?key", "client[_-]?secret", "auth[_-]?token", "access[_-]?token",
        "refresh[_-]?token", "private[_-]?key", "signing[_-]?key", "webhook[_-]?secret", "account[_-]?key",
        "sas[_-]?token", "connection[_-]?string", "dsn",
    )  # fmt: skip
    return "|".join(list(DENYLIST) + list(own))


def _compile() -> list[tuple[str, re.Pattern[str], int]]:
    b64 = r"[A-Za-z0-9+/]"
    return [
        ("pem_private_key", re.compile(
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----|\Z)"), 0),
        ("ssh2_private_key", re.compile(
            r"---- BEGIN SSH2 (?:ENCRYPTED )?PRIVATE KEY ----[\s\S]*?(?:---- END SSH2 (?:ENCRYPTED )?PRIVATE KEY ----|\Z)"), 0),
        ("putty_private_key", re.compile(r"PuTTY-User-Key-File-\d+:[\s\S]*?(?:Private-MAC:\s*[0-9a-fA-F]+|\Z)"), 0),
        # PEM body without its header: DER starts with a SEQUENCE (RSA / PKCS#8 "MII", PKCS#8 EC
        # "MIG", SEC1 EC "MHc", Ed25519 PKCS#8 "MC4C"), openssh-key-v1, or a base64-encoded PEM
        # ("LS0tLS1CRUdJTi" = "-----BEGIN", as in Kubernetes secrets); lines joined by newlines,
        # spaces or an escaped "\n".
        ("pem_body", re.compile(
            r"(?<![A-Za-z0-9+/])(?:MII|MIG|MHc|MC4C|b3BlbnNzaC1rZXktdjE|LS0tLS1CRUdJTi)" + b64 + r"{40,}"
            r"(?:(?:\s|\\[nr])*" + b64 + r"{20,})*={0,2}"), 0),
        # DigitalOcean personal / OAuth / refresh tokens (documented format: prefix + 64 hex).
        ("digitalocean_token", re.compile(r"\bdo[por]_v1_[A-Za-z0-9]{64}\b"), 0),
        # Shopify admin / custom-app / private-app tokens and shared secrets: prefix + 32 hex.
        ("shopify_token", re.compile(r"\bshp(?:at|ca|pa|ss)_[A-Za-z0-9]{32,}\b"), 0),
        ("anthropic_key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}"), 0),
        ("openai_key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}"), 0),
        ("huggingface_token", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"), 0),
        ("gitlab_token", re.compile(r"\bgl(?:pat|dt|rt|ptt|cbt|imt|oas|sa|ft)-[A-Za-z0-9_-]{20,}"), 0),
        ("npm_token", re.compile(r"\bnpm_[A-Za-z0-9]{30,}\b"), 0),
        ("sendgrid_key", re.compile(r"\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{30,50}"), 0),
        ("twilio_key", re.compile(r"\b(?:SK|AC)[0-9a-fA-F]{32}\b"), 0),
        ("mailgun_key", re.compile(r"\bkey-[0-9a-zA-Z]{32}\b|\b[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8}\b"), 0),
        ("telegram_bot_token", re.compile(r"\b(?:bot)?\d{8,10}:AA[0-9A-Za-z_-]{30,40}"), 0),
        ("webhook_signing_secret", re.compile(r"\bwhsec_[A-Za-z0-9+/=_-]{20,}"), 0),
        ("azure_ad_client_secret", re.compile(r"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}"), 0),
        ("azure_connection_string", re.compile(r"DefaultEndpointsProtocol=[^\s\"'<>]+|Endpoint=sb://[^\s\"'<>]+SharedAccessKey=[^\s\"'<>;]+"), 0),
        ("azure_connection_key", re.compile(r"(?i)(?:AccountKey|SharedAccessKey|SharedAccessSignature|sig)=([A-Za-z0-9+/%_-]{20,}={0,2}(?:%3D)*)"), 1),
        ("aws_access_key_id", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA|A3T[A-Z0-9])[A-Z0-9]{16}\b"), 0),
        ("github_token", re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}\b"), 0),
        ("github_pat", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{40,}"), 0),
        ("slack_token", re.compile(r"\bxox[abeprs]-[A-Za-z0-9-]{10,}"), 0),
        ("slack_webhook", re.compile(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]{16,}"), 0),
        ("discord_webhook", re.compile(r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]{20,}"), 0),
        ("google_api_key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), 0),
        ("stripe_key", re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}"), 0),
        ("vendor_live_key", re.compile(
            r"(?<![\w-])[a-z][a-z0-9]{1,15}_(?:live|test|prod|secret|sk|pk|key)_[0-9A-Za-z]{16,}(?!\w)"), 0),
        ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), 0),
        ("auth_header", re.compile(
            r"(?i:authorization|proxy-authorization)[\"']?\s*[:=]\s*[\"']?(?i:bearer|basic|token|digest|apikey|sharedkey)\s+([A-Za-z0-9._~+/=:-]{8,})"), 1),
        ("bearer_token", re.compile(r"\b(?i:bearer)\s+([A-Za-z0-9._~+/-]{16,}=*)"), 1),
        # scheme://user:pw@host, also with an empty user (redis://:pw@host) and a password holding
        # '@', '/' or ':' (the last '@' before the host ends it).
        ("url_credentials", re.compile(
            r"(?i)\b[a-z][a-z0-9+.-]*://[^\s:/@\"'<>]*:([^\s\"'<>]+)@[A-Za-z0-9\[][^\s@/\"'<>]*"), 1),
        ("cli_password", re.compile(
            r"(?:\bredis-cli\b[^\n]{0,80}?\s-a\s*|--pass(?:word)?(?:=|\s+)|\bmysql(?:dump)?\b[^\n]{0,80}?\s-p)"
            r"[\"']?([^\s\"']{3,})"), 1),
        ("curl_user", re.compile(r"(?:\s-u|--user)\s*[\"']?[^\s:\"']+:([^\s\"']+)"), 1),
        ("cloud_secret_key_40", re.compile(
            r"(?i:secret|key|sk)\b[^\n]{0,24}?(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"), 1),
    ]  # fmt: skip


_RULES = _compile()
_KEYS = _keyword_denylist()
_GENERIC = re.compile(
    r"(?i)(?<![A-Za-z])[\"']?((?:[a-z0-9]+[_-])*(?:" + _KEYS + r")(?:[_-][a-z0-9]+)*)[\"']?"
    r"\s*(?:[:=]|=>|\bis\b|\bes\b|\best\b|\bist\b|\blautet\b|\bis now\b|\bwas\b|\bera\b|\bè\b|\bé\b)\s*[\"']?"
    r"([^\s\"',;<>]{4,300})"
)
_MY_PASSWORD = re.compile(
    r"(?i)\b(?:password|passwort|kennwort|contraseña|contrasena|clave|mot de passe|mdp|wachtwoord|senha|"
    r"passcode|pin(?: code)?|code pin|pass)\s*(?:is|is now|was|es|era|ist|lautet|est|était|is nu|è|é|=|:)\s+"
    r"[\"'“«]?([^\s\"'”»]{3,100})"
)
_ENV_LINE = re.compile(
    r"(?m)^\s*(?:export\s+)?([A-Z][A-Z0-9_]*(?:KEY|SECRET|TOKEN|PASSWORD|PASSWD|PASS|PWD|CREDENTIALS?|AUTH|DSN|"
    r"PRIVATE|SIGNATURE|SALT|COOKIE|SESSION)[A-Z0-9_]*)\s*=\s*[\"']?([^\s\"'#]{1,500})"
)
_PLACEHOLDERS = re.compile(
    r"(?i)^(?:x+|\*+|\.+|-+|<.*>|\{.*\}|\$\{.*\}|\$[A-Z_]+|%\w+%|changeme|redacted|null|none|nil|"
    r"true|false|undefined|required|optional|string|your[_-].*|example.*|dummy|secret|password|"
    r"\*\*\*.*|\.\.\.)$"
)
_WORDS_AFTER_PASSWORD = frozenset(
    "not wrong incorrect correct invalid expired too the a an my same still also just being reset "
    "no longer working broken rejected forgotten changed required missing empty blank ok fine "
    "nicht falsch abgelaufen ungültig korrekt richtig noch zu mein meine "
    "incorrecto incorrecta inválido inválida caducado correcto correcta mi no muy demasiado "
    "incorrect invalide expiré correct trop mon pas encore "
    "onjuist ongeldig verlopen niet te mijn "
    "errata sbagliata scaduta corretta non troppo la mia".split()
)


def _candidate_ok(value: str) -> bool:
    return bool(value) and not _PLACEHOLDERS.match(value) and not PSEUDONYM_RE.search(value)


def find_secrets(text: str) -> list[Hit]:
    """Provider formats (detect-secrets + own prefixes), auth headers, keys, assigned secrets."""
    hits: list[Hit] = []
    for rule, rx, group in _RULES:
        for m in rx.finditer(text):
            value = m.group(group)
            if rule == "bearer_token" and shannon_entropy(value) < 3.0:
                continue
            if rule == "cloud_secret_key_40" and not _mixed(value):
                continue
            if rule == "pem_body" and len(re.sub(r"\s", "", value)) < 60:
                continue
            if rule == "url_credentials" and re.match(r"\d{1,5}(?:/|$)", value):
                continue  # "host:8080/path@x" is a port and a path, not a password
            if rule == "cli_password" and not _candidate_ok(value):
                continue
            hits.append(Hit(m.start(group), m.end(group), "SECRET", 1.0, rule))
    for name, rx in detect_secrets_rules():
        for m in rx.finditer(text):
            s, e = m.span()
            if m.lastindex:
                gs, ge = m.span(m.lastindex)
                if ge - gs >= 16:
                    s, e = gs, ge
            if e - s >= 12:
                hits.append(Hit(s, e, "SECRET", 1.0, name))
    for m in _ENV_LINE.finditer(text):
        value = m.group(2)
        if _candidate_ok(value) and len(value) >= 3:
            hits.append(Hit(m.start(2), m.end(2), "SECRET", 0.95, "env_assignment"))
    for m in _MY_PASSWORD.finditer(text):
        value = m.group(1).rstrip(".,;:!?)]}")
        if len(value) < 3 or value.lower() in _WORDS_AFTER_PASSWORD or not _candidate_ok(value):
            continue
        if value.isalpha() and value.islower() and _is_common_word(value):
            continue
        hits.append(Hit(m.start(1), m.start(1) + len(value), "SECRET", 0.9, "stated_password"))
    for m in _GENERIC.finditer(text):
        value = m.group(2).rstrip(".)]}")
        if not _candidate_ok(value):
            continue
        key = m.group(1).lower()
        is_password = bool(
            re.search(r"pass|pwd|contrase|clave|kennwort|mot de passe|mdp|wachtwoord|senha", key)
        )
        ent = shannon_entropy(value)
        if is_password:
            ok = len(value) >= 4 and not (value.isalpha() and value.islower() and _is_common_word(value))
        else:
            ok = len(value) >= 12 and ent >= 3.0 and any(c.isdigit() for c in value)
        if ok:
            hits.append(Hit(m.start(2), m.start(2) + len(value), "SECRET", 0.9, "keyword_secret"))
    hits += _pem_line_blocks(text)
    # entropy only where no named rule fired, so the inventory names the provider when there is one
    hits += [
        h
        for h in _high_entropy(text) + _hex_in_context(text) + _token_in_context(text)
        if not any(o.start < h.end and h.start < o.end for o in hits)
    ]
    return hits


def _mixed(v: str) -> bool:
    return any(c.isupper() for c in v) and any(c.islower() for c in v) and any(c.isdigit() for c in v)


_TOKEN = re.compile(r"(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_-]{28,}={0,2}(?![A-Za-z0-9+/_=-])")


def _pathlike(v: str) -> bool:
    """'/api/v2/users/export' or 'src/evalpipe/pii': segments that read as words, not base64.

    Base64 (a PEM body pasted on one line, a signing key) has '/' too, but between random
    mixed-case runs; a path's segments are mostly lower-case words, numbers or file names.
    """
    if v.count("/") < 2:
        return False
    segs = [x for x in v.split("/") if x]
    wordy = sum(len(x) for x in segs if re.fullmatch(r"[a-z0-9._-]+|[A-Z]?[a-z]+(?:[A-Z][a-z]+)*", x))
    return wordy >= 0.6 * sum(len(x) for x in segs)


def _high_entropy(text: str) -> list[Hit]:
    """Unquoted random tokens: detect-secrets' base64 entropy limit (4.5 bits/char), mixed classes.

    Hex strings (commit SHAs, request ids) are left to `_hex_in_context`: a SHA is not a secret.
    """
    out = []
    for m in _TOKEN.finditer(text):
        v = m.group()
        if not _mixed(v) or _pathlike(v):
            continue
        if shannon_entropy(v) >= 4.5:
            out.append(Hit(m.start(), m.end(), "SECRET", 0.8, "high_entropy"))
    return out


# A PEM / base64 key body pasted without its BEGIN/END lines: two or more consecutive lines of
# 48-76 base64 characters (PEM wraps at 64, MIME at 76), then an optional shorter last line.
_B64_LINE = r"[A-Za-z0-9+/]{48,76}"
_LINE_SEP = r"(?:[ \t]*(?:\r?\n|(?:\\r)?\\n)[ \t]*|[ \t]+)"
_PEM_LINES = re.compile(
    r"(?<![A-Za-z0-9+/=])" + _B64_LINE + r"(?:" + _LINE_SEP + _B64_LINE + r")+"
    r"(?:" + _LINE_SEP + r"[A-Za-z0-9+/]{1,76}={0,2})?={0,2}(?![A-Za-z0-9+/=])"
)


def _pem_line_blocks(text: str) -> list[Hit]:
    if len(text) < 100:
        return []
    out = []
    for m in _PEM_LINES.finditer(text):
        lines = [x for x in re.split(r"\s+|\\[rn]", m.group()) if x]
        if sum(_mixed(x) for x in lines) >= max(2, len(lines) - 1):
            out.append(Hit(m.start(), m.end(), "SECRET", 0.95, "pem_body_lines"))
    return out


# Hex secrets (Twilio auth tokens, webhook signing keys, HMAC keys): detect-secrets' hex entropy
# limit (3.0) is only safe with context, since commit SHAs, request ids and checksums are hex too.
_HEX = re.compile(r"(?<![0-9A-Za-z_])[0-9a-fA-F]{32,128}(?![0-9A-Za-z_])")
_HEX_SECRET_CUE = re.compile(
    r"(?i)token|secret|passw|api[ _-]?key|\bkey\b|_key\b|auth|credential|signing|signature|hmac|"
    r"private|twilio|\bsid\b|\bAC[0-9a-f]{32}\b|bearer|salt|cookie|session"
)
_HEX_BENIGN_CUE = re.compile(
    r"(?i)\bsha\d*\b|commit|revision|\brev\b|hash|checksum|md5|etag|request[ _-]?id|trace|span[ _-]?id|"
    r"correlation|uuid|digest|fingerprint|\bbuild\b|object[ _-]?id|\bblob\b|\bgit\b"
)


def _hex_in_context(text: str) -> list[Hit]:
    out = []
    for m in _HEX.finditer(text):
        v = m.group()
        if v.isdigit() or v.isalpha() or shannon_entropy(v) < 3.0:
            continue
        if text[max(0, m.start() - 2) : m.start()] in ("AC", "SK"):
            continue  # the SID itself is a provider rule
        window = text[max(0, m.start() - 60) : m.start()]
        cue = [c.end() for c in _HEX_SECRET_CUE.finditer(window)]
        benign = [c.end() for c in _HEX_BENIGN_CUE.finditer(window)]
        after = text[m.end() : m.end() + 30]
        cue_after = not benign and _HEX_SECRET_CUE.search(after) and not _HEX_BENIGN_CUE.search(after)
        if cue and (not benign or cue[-1] > benign[-1]) or cue_after:
            out.append(Hit(m.start(), m.end(), "SECRET", 0.85, "hex_secret_context"))
    return out


_CTX_TOKEN = re.compile(r"(?<![A-Za-z0-9+/_=.-])[A-Za-z0-9+/_=-]{16,}(?![A-Za-z0-9+/_=-])")


def _token_in_context(text: str) -> list[Hit]:
    """detect-secrets' keyword idea without the `=`: a random-looking token right after a secret word.

    "the signing key 9fKq2Lm8Zr4TxW1v" has no assignment and is too short for the 4.5-bit
    entropy limit; next to a secret word (and no id / hash word after it) mixed-class tokens of
    16+ characters at 3.5 bits are enough.
    """
    out = []
    for m in _CTX_TOKEN.finditer(text):
        v = m.group()
        if not _mixed(v) or _pathlike(v) or shannon_entropy(v) < 3.5 or PSEUDONYM_RE.search(v):
            continue
        window = text[max(0, m.start() - 40) : m.start()]
        cue = [c.end() for c in _HEX_SECRET_CUE.finditer(window)]
        benign = [c.end() for c in _HEX_BENIGN_CUE.finditer(window)]
        if cue and (not benign or cue[-1] > benign[-1]):
            out.append(Hit(m.start(), m.end(), "SECRET", 0.85, "token_secret_context"))
    return out


def _is_common_word(word: str) -> bool:
    from evalpipe.pii.lexicon import is_common_word

    return is_common_word(word)
