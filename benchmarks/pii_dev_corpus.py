"""Development split for the PII scrubber: the leaked shapes of issue 12, as whole canonical rows.

    .venv/bin/python benchmarks/pii_dev_corpus.py            # 400 rows
    .venv/bin/python benchmarks/pii_dev_corpus.py --n 150    # quicker

This is the split the detectors of evalpipe/pii were *developed against* (templates and values
written here, by the same engineer as the detectors).  It is not a held-out measure: a held-out
corpus is written separately, by someone who has not seen these templates or the detectors'
rules, and lives in its own file.  Independence from the shipped generator (evalpipe/synth) and
from benchmarks/pii_corpus.py: other templates, other locales (nl, en-GB, en-IN, en-AU, ja, it,
pl, ru, zh, ar, hi), PII in every field a log has (system prompt, tool-call arguments as a JSON
string, tool results, metadata, error bodies, feedback), values generated here from a seeded RNG
(names from Faker's locales, which the scrubber never reads).

Scoring is per planted value, on `scrub_table` output (sweep included):
  leaked       the value, or any of its alphanumeric pieces of >= 4 characters, is still in its row
  benign kept  a planted benign phrase (product names, capitalised common words, versions) is
               still in its row verbatim
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import string
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FAKER_LOCALES = {
    "nl": "nl_NL", "en_GB": "en_GB", "en_IN": "en_IN", "en_AU": "en_AU", "ja": "ja_JP", "it": "it_IT",
    "pl": "pl_PL", "ru": "ru_RU", "zh": "zh_CN", "ar": "ar_AA", "hi": "hi_IN", "de": "de_AT", "en_US": "en_US",
}  # fmt: skip


@dataclass
class DevRow:
    row: dict
    gold: list[tuple[str, str]] = field(default_factory=list)  # (entity, value)
    benign: list[str] = field(default_factory=list)


class _V:
    """Value generators (own code; Faker only for person names)."""

    def __init__(self, seed: int) -> None:
        from faker import Faker

        self.r = random.Random(seed)
        self.f = {}
        for k, loc in FAKER_LOCALES.items():
            fk = Faker(loc)
            fk.seed_instance(seed + len(k))
            self.f[k] = fk

    def d(self, n: int) -> str:
        return "".join(self.r.choice(string.digits) for _ in range(n))

    def a(self, n: int, abc: str = string.ascii_letters + string.digits) -> str:
        return "".join(self.r.choice(abc) for _ in range(n))

    def name(self, loc: str) -> str:
        fk = self.f[loc]
        if loc in ("ja", "zh"):
            return fk.last_name() + fk.first_name()
        return f"{fk.first_name()} {fk.last_name()}"

    def first(self, loc: str) -> str:
        return self.f[loc].first_name()

    def luhn(self, prefix: str, n: int) -> str:
        body = prefix + self.d(n - len(prefix) - 1)
        total = 0
        for i, ch in enumerate(reversed(body + "0")):
            x = int(ch)
            if i % 2 == 1:
                x = x * 2 - 9 if x > 4 else x * 2
            total += x
        return body + str((10 - total % 10) % 10)

    def card(self) -> str:
        prefix = self.r.choice(["6521", "6080", "2201", "2204", "9792", "4", "5412", "3530"])
        num = self.luhn(prefix, 16)
        sep = self.r.choice(["  ", "\u00a0", ".", " - ", "-", " "])
        return sep.join(num[i : i + 4] for i in range(0, 16, 4))

    def iban(self) -> str:
        cc, n = self.r.choice([("NL", 18), ("BE", 16), ("IT", 27), ("PL", 28), ("AT", 20), ("PT", 25)])
        bban = self.d(n - 4)
        if cc == "NL":
            bban = self.a(4, string.ascii_uppercase) + bban[4:]
        if cc == "IT":
            bban = self.a(1, string.ascii_uppercase) + bban[1:]
        rearr = bban + cc + "00"
        check = 98 - int("".join(str(int(c, 36)) for c in rearr)) % 97
        iban = f"{cc}{check:02d}{bban}"
        style = self.r.choice(["lower", "nbsp", "double", "plain"])
        if style == "lower":
            return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)).lower()
        if style == "nbsp":
            return "\u00a0".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        if style == "double":
            return "  ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return iban

    def phone(self, loc: str) -> str:
        r, d = self.r, self.d
        return {
            "nl": lambda: r.choice([f"06-{d(8)}", f"020 {d(3)} {d(4)}", f"(010) {d(3)} {d(4)}"]),
            "en_GB": lambda: r.choice(
                [f"07{r.randint(400, 999)} {d(6)}", f"(0161) {r.randint(200, 899)} {d(4)}"]
            ),
            "en_IN": lambda: f"{r.choice('6789')}{d(4)} {d(5)}",
            "en_AU": lambda: r.choice([f"04{d(2)} {d(3)} {d(3)}", f"(02) {r.randint(8, 9)}{d(3)} {d(4)}"]),
            "it": lambda: f"3{r.randint(20, 49)} {d(3)} {d(4)}",
            "de": lambda: f"0{r.randint(650, 699)} {d(7)}",
            "en_US": lambda: r.choice(
                [
                    f"({r.randint(201, 989)}) {r.randint(200, 999)}-{d(4)} ext. {d(3)}",
                    f"{r.randint(201, 989)}{r.randint(200, 999)}{d(4)}",
                    f"{r.randint(201, 989)}.{r.randint(200, 999)}.{d(4)}x{d(4)}",
                ]
            ),
            "ja": lambda: f"090-{d(4)}-{d(4)}",
        }.get(loc, lambda: f"+{r.choice(['31', '39', '48'])} {d(3)} {d(3)} {d(3)}")()

    def address(self, loc: str) -> str:
        r, d = self.r, self.d
        streets = {
            "nl": lambda: (
                f"{r.choice(['Keizersgracht', 'Bloemstraat', 'Vondellaan', 'Marktplein'])} {r.randint(1, 300)}, {r.randint(1000, 9999)} {self.a(2, 'ABCDEFGHJKLMNPRTVWXZ')} {r.choice(['Utrecht', 'Haarlem', 'Delft'])}"
            ),
            "de": lambda: (
                f"{r.choice(['Birkenweg', 'Mozartgasse', 'Ringstraße', 'Am Anger'])} {r.randint(1, 90)}{r.choice(['', 'b'])}, {r.randint(1010, 9999)} {r.choice(['Wien', 'Graz', 'Linz'])}"
            ),
            "en_GB": lambda: (
                f"{r.randint(1, 200)} {r.choice(['Ashdown', 'Kingsley', 'Marlow', 'Fernhill'])} {r.choice(['Close', 'Crescent', 'Grove', 'Mews'])}, {r.choice(['Leeds LS6', 'Bristol BS8', 'York YO10'])} {r.randint(1, 9)}{self.a(2, 'ABDEFGHJLNPQRSTUWXYZ')}"
            ),
            "en_IN": lambda: (
                f"Flat {r.randint(101, 905)}, {r.choice(['Lakshmi Towers', 'Green Park Residency'])}, {r.randint(2, 18)}th Main Road, {r.choice(['Jayanagar', 'Koramangala'])}, Bengaluru {r.randint(560001, 560100)}"
            ),
            "en_AU": lambda: (
                f"Unit {r.randint(1, 30)}/{r.randint(2, 200)} {r.choice(['Wattle', 'Banksia', 'Jacaranda'])} {r.choice(['St', 'Rd', 'Pde'])}, {r.choice(['Newtown NSW', 'Carlton VIC', 'Paddington QLD'])} {r.randint(2000, 4999)}"
            ),
            "ja": lambda: (
                f"〒{d(3)}-{d(4)} {r.choice(['東京都新宿区西新宿', '大阪府大阪市北区梅田', '神奈川県横浜市中区山下町'])}{r.randint(1, 9)}-{r.randint(1, 20)}-{r.randint(1, 30)}"
            ),
            "it": lambda: (
                f"{r.choice(['Via Garibaldi', 'Corso Vittorio Emanuele', 'Piazza Navona'])} {r.randint(1, 150)}, {d(5)} {r.choice(['Torino', 'Bologna', 'Napoli'])}"
            ),
            "en_US": lambda: (
                f"{r.randint(10, 9999)} {r.choice(['Quarry Ridge', 'Old Mill', 'Bluebonnet'])} {r.choice(['Trail', 'Parkway', 'Circle'])}, {r.choice(['Boulder, CO', 'Tempe, AZ', 'Akron, OH'])} {d(5)}"
            ),
        }
        return streets.get(loc, streets["en_US"])()


PROVIDERS = {
    "huggingface": lambda v: "hf_" + v.a(34),
    "gitlab": lambda v: "glpat-" + v.a(20, string.ascii_letters + string.digits + "_-"),
    "npm": lambda v: "npm_" + v.a(36),
    "sendgrid": lambda v: "SG." + v.a(22) + "." + v.a(43),
    "twilio_sk": lambda v: "SK" + v.a(32, "0123456789abcdef"),
    "twilio_ac": lambda v: "AC" + v.a(32, "0123456789abcdef"),
    "azure_storage": lambda v: (
        "DefaultEndpointsProtocol=https;AccountName=stor"
        + v.a(6, string.ascii_lowercase)
        + ";AccountKey="
        + v.a(86, string.ascii_letters + string.digits + "+/")
        + "=="
    ),
    "mailgun": lambda v: "key-" + v.a(32, "0123456789abcdef"),
    "telegram": lambda v: v.d(10) + ":AA" + v.a(33, string.ascii_letters + string.digits + "_-"),
    "whsec": lambda v: "whsec_" + v.a(32),
    "slack_webhook": lambda v: (
        "https://hooks.slack.com/services/T"
        + v.a(8, string.ascii_uppercase + string.digits)
        + "/B"
        + v.a(8, string.ascii_uppercase + string.digits)
        + "/"
        + v.a(24)
    ),
    "aws_secret": lambda v: v.a(40, string.ascii_letters + string.digits + "/+"),
    "redis": lambda v: v.a(14),
    "curl": lambda v: v.a(6, string.ascii_lowercase) + v.d(3) + "!" + v.a(3),
    "my_password": lambda v: v.a(5, string.ascii_letters) + v.d(2) + "#" + v.a(2),
}


def _fill(tpl: str, vals: dict[str, tuple[str, str]]) -> tuple[str, list[tuple[str, str]]]:
    gold = []
    out = tpl
    for slot, (ent, value) in vals.items():
        if "{" + slot + "}" in out:
            out = out.replace("{" + slot + "}", value)
            if ent:
                gold.append((ent, value))
    return out, gold


def build_dev_rows(n: int = 400, seed: int = 777) -> list[DevRow]:
    v = _V(seed)
    r = v.r
    rows: list[DevRow] = []
    benign_pool = [
        "Notion Pro", "Slack Huddles", "Safari", "Firefox", "Linux", "Should", "Token", "Until", "Expired",
        "Acme Cloud", "Jira Cloud", "Dark Mode", "Charles Schwab", "Android", "Chrome", "Bearer", "Passport",
        "firmware 8.3.2.19", "version 10.4.1.7", "Invalid", "From", "Does", "Windows", "Visa",
    ]  # fmt: skip
    for i in range(n):
        loc = r.choice(list(FAKER_LOCALES))
        name, first = v.name(loc), v.first(loc)
        benign = r.sample(benign_pool, 2)
        vals: dict[str, tuple[str, str]] = {
            "name": ("PERSON", name),
            "first": ("PERSON", first),
            "agent": ("PERSON", v.name(r.choice(list(FAKER_LOCALES)))),
            "lower": ("PERSON", v.first("en_US").lower()),
            "phone": ("PHONE_NUMBER", v.phone(loc)),
            "addr": ("STREET_ADDRESS", v.address(loc)),
            "card": ("CREDIT_CARD", v.card()),
            "iban": ("IBAN_CODE", v.iban()),
            "email_obf": (
                "EMAIL_ADDRESS",
                f"{v.a(6, string.ascii_lowercase)} [at] {v.a(5, string.ascii_lowercase)} [dot] com",
            ),
            "email_enc": (
                "EMAIL_ADDRESS",
                f"{v.a(5, string.ascii_lowercase)}.{v.a(4, string.ascii_lowercase)}%40{v.a(6, string.ascii_lowercase)}.org",
            ),
            "ssn": ("US_SSN", f"{r.randint(100, 665)}{r.randint(10, 99)}{r.randint(1000, 9999)}"),
            "nino": (
                "NATIONAL_ID",
                f"{r.choice('ABCEHJLMPRSWXY')}{r.choice('ABCEGHJLMPRSWXY')} {v.d(2)} {v.d(2)} {v.d(2)} {r.choice('ABCD')}",
            ),
            "passport": ("NATIONAL_ID", r.choice(string.ascii_uppercase) + v.d(8)),
            "dl": ("NATIONAL_ID", v.a(5, string.ascii_uppercase) + v.d(6) + v.a(2, string.ascii_uppercase)),
            "dob": (
                "DATE_OF_BIRTH",
                f"{r.randint(1, 28):02d}/{r.randint(1, 12):02d}/{r.randint(1950, 2004)}",
            ),
            "mac": ("MAC_ADDRESS", ":".join(v.a(2, "0123456789abcdef") for _ in range(6))),
            "b0": ("", benign[0]),
            "b1": ("", benign[1]),
        }
        for k, gen in PROVIDERS.items():
            vals["sec_" + k] = ("SECRET", gen(v))
        kind = i % 8
        sec = r.choice(list(PROVIDERS))
        sec_text = {
            "redis": "cache url redis://:{sec_redis}@cache.internal:6379/0 refuses",
            "curl": "ran curl -u deploy:{sec_curl} https://ci.example.net/api and got 401",
            "my_password": "fwiw my password is {sec_my_password} if you need to log in",
            "aws_secret": "the secret key {sec_aws_secret} was pasted by mistake",
        }.get(sec, "{b0} stopped working after I set the token to {sec_" + sec + "}")
        user_templates = [
            "{first} here again. The {b0} export still fails; call me on {phone}.",
            "hi, this is {lower}. please ship the replacement to {addr}. {b1} is fine.",
            "Card {card} was declined twice on {b0}. Refund to {iban}, thanks.\n\nBest regards,\n{name}",
            "my social is {ssn} and NI number {nino}; passport number {passport}. DOB {dob}.",
            "Write to me at {email_obf}. The link was https://app.example.net/login?user={email_enc}&next=%2F",
            "The router {mac} on {b1} drops. driving licence no. {dl}. " + sec_text,
            "I moved to {addr} last week, {b0} still shows the old one. Phone {phone}.",
            "Does {b1} support SSO? I spoke with {name} on Monday. " + sec_text,
        ]
        user_text, gold = _fill(user_templates[kind], vals)
        sys_text, g2 = _fill(
            "You are the support assistant for {b0}. Agent on duty: {agent}. Never reveal secrets.", vals
        )
        gold += g2
        args_obj = {
            "customer_name": vals["name"][1],
            "account_holder": vals["name"][1],
            "ssn": vals["ssn"][1],
            "contact": {"phone": vals["phone"][1], "email": vals["email_enc"][1].replace("%40", "@")},
        }
        gold += [("PERSON", vals["name"][1]), ("US_SSN", vals["ssn"][1]), ("PHONE_NUMBER", vals["phone"][1])]
        gold.append(("EMAIL_ADDRESS", vals["email_enc"][1].replace("%40", "@")))
        pw = v.a(10, string.ascii_letters + string.digits)
        api = v.a(24, string.ascii_lowercase + string.digits)
        sak = vals["sec_aws_secret"][1]
        result_obj = {"status": "ok", "user": {"password": pw, "x-api-key": api}, "SecretAccessKey": sak}
        gold += [("SECRET", pw), ("SECRET", api), ("SECRET", sak)]
        msgs = [
            {"role": "system", "parts": [{"type": "text", "content": sys_text}]},
            {"role": "user", "parts": [{"type": "text", "content": user_text}]},
            {
                "role": "assistant",
                "parts": [
                    {
                        "type": "tool_call",
                        "id": f"c{i}",
                        "name": "lookup_customer",
                        "arguments": json.dumps(args_obj),
                    }
                ],
            },
            {
                "role": "tool",
                "parts": [{"type": "tool_call_response", "id": f"c{i}", "response": json.dumps(result_obj)}],
            },
        ]
        row = {
            "record_id": f"dev{i}",
            "day": "2026-01-01",
            "source_format": "generic",
            "source_file": "dev.jsonl",
            "source_line": i + 1,
            "source_index": 0,
            "status": "ok",
            "input_messages": json.dumps(msgs, ensure_ascii=False),
            "output_messages": json.dumps(
                [
                    {
                        "role": "assistant",
                        "parts": [{"type": "text", "content": f"Thanks! {benign[1]} is noted."}],
                    }
                ]
            ),
            "system_instructions": None,
            "error_message": None,
            "metadata": json.dumps({"locale": loc, "client": benign[0]}, ensure_ascii=False),
        }
        rows.append(DevRow(row, gold, [b for b in benign if b in user_text + sys_text]))
    return rows


_PIECE = re.compile(r"[^\W_]{4,}|\d{4,}")


def leaked(value: str, text: str) -> bool:
    if value in text:
        return True
    return any(p in text for p in _PIECE.findall(value) if not p.isalpha() or len(p) >= 4)


def score(dev: list[DevRow], out_rows: list[dict]) -> dict:
    by_ent: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    benign_total = benign_kept = 0
    for d, out in zip(dev, out_rows, strict=True):
        blob = json.dumps(out, ensure_ascii=False) + json.dumps(
            {k: json.loads(v) for k, v in out.items() if k in ("input_messages",) and v}, ensure_ascii=False
        )
        for ent, value in d.gold:
            by_ent[ent][0] += 1
            by_ent[ent][1] += leaked(value, blob)
        for b in d.benign:
            benign_total += 1
            benign_kept += b in blob
    return {"by_entity": dict(by_ent), "benign": (benign_kept, benign_total)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--seed", type=int, default=777)
    ap.add_argument("--show", type=int, default=0, help="print this many leaked values (debugging)")
    args = ap.parse_args()
    os.environ.setdefault("EVALPIPE_PII_KEY", "dev-corpus-key")
    import pandas as pd

    from evalpipe.pii import scrub_table

    dev = build_dev_rows(args.n, args.seed)
    t0 = time.perf_counter()
    res = scrub_table(pd.DataFrame([d.row for d in dev]), processes=1)
    dt = time.perf_counter() - t0
    out = res.scrubbed.to_dict("records")
    sc = score(dev, out)
    tot = sum(v[0] for v in sc["by_entity"].values())
    lk = sum(v[1] for v in sc["by_entity"].values())
    print(
        f"dev split: {len(dev)} rows, {tot} planted values, {dt:.1f}s ({len(dev) / dt:.0f} rows/s, 1 process)"
    )
    for ent, (n, k) in sorted(sc["by_entity"].items()):
        print(f"  {ent:<16} {n:>5} leaked {k:>4}  ({k / n:.1%})")
    bk, bt = sc["benign"]
    print(f"DEV leaked {lk}/{tot} = {lk / tot:.1%}; benign phrases kept {bk}/{bt} = {bk / max(bt, 1):.1%}")
    if args.show:
        shown = 0
        for d, o in zip(dev, out, strict=True):
            blob = json.dumps(o, ensure_ascii=False)
            for ent, value in d.gold:
                if leaked(value, blob) and shown < args.show:
                    print("LEAK", ent, repr(value))
                    shown += 1
            for b in d.benign:
                if b not in blob and shown < args.show:
                    print("LOST", repr(b))
                    shown += 1


if __name__ == "__main__":
    main()
