"""Held-out split of the PII corpus: template families `ho_*` (see pii_heldout.py for how it was kept apart).

Scenarios: airline rebooking, a clinic's appointment line, CI failures pasted by developers, a
utility's move-house desk, a CRM lookup agent, chat-integration setup, multilingual returns,
card chargebacks, an IT asset inventory agent, account recovery, an insurance claim intake and a
recruiting assistant.  Own system prompts, phrasings, tool names and JSON keys: nothing here is
shared with the `dev_*` families.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pii_values as V
from pii_heldout import (
    BROWSERS,
    CITY_CONTEXT,
    COMPANIES,
    NONLATIN_BENIGN,
    PRODUCTS,
    SOFTWARE,
    TECH,
    Ctx,
    assistant,
    call,
    order_ref,
    plain_date,
    result,
    tool,
    user,
    version_string,
)

FAMILIES: dict[str, Callable[[Ctx], dict]] = {}


def fam(fn: Callable[[Ctx], dict]) -> Callable[[Ctx], dict]:
    FAMILIES[fn.__name__] = fn
    return fn


@fam
def ho_flight_rebooking(c: Ctx) -> dict:
    lead = c.name("system")
    system = (
        f"Skylark Airways disruption desk. Shift lead today is {lead}; page them for group bookings. "
        "Rebook on the next available flight, same cabin."
    )
    pax1 = c.name("user", c.choice(("full", "upper", "nonlatin")))
    pax2 = c.name("user", c.choice(("full", "nonlatin", "lower")))
    pnr = "".join(c.rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
    u = c.pick(
        lambda: (
            f"Our flight got cancelled. Booking {pnr}, passengers {pax1} and {pax2}. {c.ok('Will', 'user')} we get hotel vouchers?"
        ),
        lambda: (
            f"booking ref {pnr} - {pax1} + {pax2}, stuck at {c.ok('London Heathrow', 'user')}. any seat tomorrow morning?"
        ),
        lambda: f"Rebook {pnr} please. Travellers: {pax1}, {pax2}. Reach me on {c.phone('user')}",
    )
    a1, cid = call(c, "pnr_lookup", {"locator": pnr, "surname": pax1.split()[-1]})
    c.pii("PERSON", pax1.split()[-1], "tool_args", "last")
    pax_list = [
        {
            "given_name": pax1,
            "doc": {
                "type": "P",
                "number": c.passport("tool_result"),
                "birth_date": c.dob("tool_result", "iso"),
            },
        },
        {
            "given_name": pax2,
            "doc": {
                "type": "P",
                "number": c.passport("tool_result", c.choice(("GB", "FR", "JP", "IN", "DE"))),
                "birth_date": c.dob("tool_result", "iso"),
            },
        },
    ]
    r1 = result(
        cid,
        {
            "pnr": pnr,
            "raw": json.dumps(
                {"passengers": pax_list, "contact": {"mobile": c.phone("tool_result", "e164")}}
            ),
        },
    )
    u += c.pick("", lambda: f" {c.ok('Passport', 'user')} numbers are in the booking already.")
    ans = c.pick(
        lambda: (
            f"I found seats on SK{c.rng.randint(100, 999)} tomorrow for {pax1} and {pax2}. Confirm and I'll reissue the tickets."
        ),
        lambda: (
            f"Both travellers are rebooked; e-tickets go to the e-mail on file. {c.ok('From', 'assistant')} the gate, follow the transfer signs."
        ),
    )
    meta = {
        "pos": "web",
        "loyalty_tier": c.ok("Priority Support", "metadata"),
        "ua": c.ok_pick(SOFTWARE, "metadata"),
    }
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=ans,
        metadata=meta,
        tools=[tool("pnr_lookup", "Read a booking", "locator", "surname")],
        tags=["irops"],
    )


@fam
def ho_clinic_booking(c: Ctx) -> dict:
    system = (
        "Receptionist assistant for Praxis am Markt / Harbourside Clinic. Book, move and cancel appointments."
    )
    patient = c.name("user", c.choice(("full", "lower")))
    d = c.dob("user")
    ph = c.phone("user", c.choice(("national", "parentheses", "bare")))
    u = c.pick(
        lambda: (
            f"hello this is {patient}, dob {d}. i need to move my appointment to {c.ok('next Tuesday', 'user')}. call back {ph}"
        ),
        lambda: (
            f"Appointment for {patient} (born {d}) please, any morning. Phone {ph}. {c.ok('Grace period', 'user')} for cancellations?"
        ),
        lambda: (
            f"{c.ok('Hope', 'user')} you can help: {patient}, {d}, tel {ph} — my GP referral expires soon."
        ),
    )
    args = {
        "patient": {"name": patient, "dob": d, "phone": ph, "address": c.address("tool_args")},
        "slot": f"{plain_date(c.rng)}T09:30",
        "reason": "follow-up",
    }
    a1, cid = call(c, "book_slot", args)
    doctor = c.name("tool_result", c.choice(("full", "last")))
    r1 = result(cid, {"confirmed": True, "practitioner": f"Dr. {doctor}", "room": c.rng.randint(1, 12)})
    ans = f"You're booked with Dr. {doctor}. Bring your insurance card; we'll text a reminder to {ph}."
    ctx = [
        {
            "id": "policies/cancel.md",
            "score": 0.64,
            "content": "Cancellations later than 24 hours before the slot are charged unless a sick note is provided.",
        }
    ]
    return c.line(system=system, messages=[user(u), a1, r1], answer=ans, context=ctx, tags=["appointments"])


@fam
def ho_ci_failure(c: Ctx) -> dict:
    system = (
        "You are BuildBuddy, an assistant for failing CI pipelines. Point at the failing step; suggest a fix."
    )
    which = c.rng.sample(
        [
            "gitlab_pat",
            "npm",
            "huggingface",
            "github_fine_grained",
            "pypi",
            "digitalocean",
            "shopify",
            "anthropic",
        ],
        3,
    )
    toks = {k: c.secret(k, "user") for k in which}
    lines = [f'$ export {k.upper()}_TOKEN="{v}"' for k, v in toks.items()]
    form = c.choice(("pem", "pem_body", "putty", "ssh2"))
    comment = f"deploy@{c.choice(('build-07', 'runner-eu', 'ci-box'))}"
    if form in ("pem", "pem_body"):
        pem, body = V.pem_private_key(c.rng)
        key_text = pem if form == "pem" else body
        c.secret_value("pem_private_key" if form == "pem" else "pem_body", body, "user")
    elif form == "putty":
        key_text, parts = V.putty_ppk(c.rng, comment)
        for p in parts:
            c.secret_value("putty_ppk", p, "user")
    else:
        key_text, body = V.ssh2_private(c.rng, comment)
        c.secret_value("ssh2_private_key", body, "user")
    bearer = c.secret(c.choice(("jwt", "generic_api_key")), "user")
    if c.rng.random() < 0.5:
        lines.append(
            f"# cache bucket: access key {c.secret('aws_access_key_id', 'user')} secret key {c.secret('aws_secret_access_key', 'user')}"
        )
    log = (
        "\n".join(lines)
        + f'\n$ curl -sf -H "Authorization: {c.ok("Bearer", "user")} {bearer}" https://artifacts.acme.example/v1/ping\n'
        f"$ npm publish\nnpm ERR! 403 Forbidden - PUT https://registry.npmjs.org/@acme%2fui\n"
        f"deploy key used by the job:\n{key_text}\n"
    )
    u = c.pick(
        lambda: (
            f"Pipeline #{c.rng.randint(1000, 99999)} fails at publish. Log:\n```\n{log}```\n{c.ok('Does', 'user')} the token need the write scope?"
        ),
        lambda: f"why does this break since {c.ok(version_string(c.rng), 'user')}?\n{log}",
    )
    api_key = V.SIMPLE_SECRETS["generic_api_key"](c.rng)
    if c.rng.random() < 0.45:
        c.secret_value("generic_api_key", api_key, "error")
        err_body = json.dumps(
            {
                "error": {
                    "message": "upstream rejected request",
                    "request_headers": {"x-api-key": api_key, "user-agent": "ci-runner/17"},
                }
            }
        )
        err = {"type": "api_error", "code": "upstream_error", "message": f"provider returned 502: {err_body}"}
        return c.line(system=system, messages=[user(u)], error=err, tags=["ci"])
    ans = (
        "The publish step uses a token without write scope. Revoke the tokens in this log now, create a granular "
        f"one, and store it as a masked CI variable. {c.ok('TLS 1.3', 'assistant')} is not the issue."
    )
    meta = {
        "runner": f"linux-amd64 {c.ok(version_string(c.rng), 'metadata')}",
        "headers": {"x-api-key": api_key},
    }
    c.pii("SECRET", api_key, "metadata", "generic_api_key")
    return c.line(system=system, messages=[user(u)], answer=ans, metadata=meta, tags=["ci", "secrets"])


@fam
def ho_utility_move(c: Ctx) -> dict:
    system = "Kundenservice-Assistent von Stadtwerke Nord / Voltara Energy. Umzüge, Zählerstände, Abschläge."
    new_addr = c.address("user")
    old_pc = c.postcode("user")
    ib = c.iban(
        "user",
        style=c.choice(("nbsp", "lower_groups", "dots", "double_space", "spaced_dash", "lower_compact")),
    )
    holder = c.name("user")
    nid = c.national_id("user", c.choice(("es_dni", "nl_bsn", "pl_pesel", "it_cf")))
    u = c.pick(
        lambda: (
            f"I moved to {new_addr} (old postcode {old_pc}). Direct debit from {ib}, holder {holder}. ID {nid}."
        ),
        lambda: (
            f"Ich bin umgezogen: {new_addr}. Abbuchung bitte von {ib} (Kontoinhaber {holder}). Ausweisnr. {nid}"
        ),
        lambda: (
            f"Verhuisd naar {new_addr}! Incasso graag van {ib} t.n.v. {holder}, BSN/ID {nid}. Oude postcode {old_pc}."
        ),
    )
    meter = f"{c.rng.randint(10**6, 10**7 - 1)}"
    a1, cid = call(
        c,
        "register_move",
        {
            "customer": {"account_holder": holder, "iban": ib, "id_number": nid},
            "new_address": new_addr,
            "meter_reading_kwh": meter,
        },
    )
    r1 = result(cid, {"contract": f"SN-{c.rng.randint(10**5, 10**6)}", "first_bill": plain_date(c.rng)})
    ans = c.pick(
        lambda: f"Thanks {holder.split()[0]}, the move is registered and the first bill goes out soon.",
        lambda: f"Alles erledigt. Die erste Rechnung kommt an {new_addr.split(',')[0]}.",
    )
    for g in list(c.gold):
        if g.value.split()[0] in ans and g.entity == "PERSON" and " " in g.value:
            c.pii("PERSON", g.value.split()[0], "assistant", "first")
    if new_addr.split(",")[0] in ans:
        c.pii("ADDRESS", new_addr.split(",")[0], "assistant", "street")
    fb = {
        "score": c.choice((1, -1)),
        "comment": c.pick(
            lambda: f"{c.ok('Auto-Renew', 'feedback')} was switched on again??",
            lambda: f"fine. {c.ok_pick(CITY_CONTEXT, 'feedback')} was friendlier",
        ),
    }
    return c.line(system=system, messages=[user(u), a1, r1], answer=ans, feedback=fb, tags=["move"])


@fam
def ho_crm_lookup(c: Ctx) -> dict:
    system = "Internal CRM copilot for the Brightline Insurance back office. Staff ask about customers; you query the CRM."
    agent = c.name("user", "first")
    cust = c.name("user", c.choice(("full", "lower", "nonlatin")))
    u = c.pick(
        lambda: (
            f"{agent} from claims. Pull up {cust}, they say the {c.ok('Family Sharing', 'user')} discount vanished."
        ),
        lambda: f"hey it's {agent}, need the file for {cust} asap",
    )
    a1, cid = call(c, "crm_search", {"query": cust, "requested_by": agent})
    idkey, idval = c.pick(
        lambda: ("ssn", c.ssn("tool_result")),
        lambda: ("ni_number", c.ni("tool_result")),
        lambda: ("SSN", c.ssn("tool_result", "compact")),
    )
    record = {
        "customer": {
            "name": cust,
            idkey: idval,
            "email": c.email("tool_result"),
            "phone": c.phone("tool_result"),
            "postal": c.address_json("tool_result"),
        },
        "policy": {"product": c.ok("Business Premium", "tool_result"), "since": plain_date(c.rng)},
        "notes": json.dumps({"last_call": f"spoke with {c.name('tool_result')} about arrears"}),
    }
    r1 = result(cid, {"hits": 1, "record": json.dumps(record, ensure_ascii=False)})
    ctx = [
        {
            "id": f"crm/notes/{c.rng.randint(100, 999)}",
            "score": 0.8,
            "content": f"Call note: customer {cust} asked to update the card on file to {c.card('context')}.",
        }
    ]
    ans = f"{cust} has an active policy since {record['policy']['since']}. The discount was removed after the last renewal."
    meta = {
        "aws": {
            "AccessKeyId": c.secret("aws_access_key_id", "metadata"),
            "SecretAccessKey": c.secret("aws_secret_access_key", "metadata"),
        },
        "crm_region": c.ok("eu-central-1", "metadata"),
    }
    return c.line(
        system=system, messages=[user(u), a1, r1], answer=ans, context=ctx, metadata=meta, tags=["crm"]
    )


@fam
def ho_integrations_setup(c: Ctx) -> dict:
    system = "You are the integrations helper of Pollen Analytics. Help admins connect Slack, Telegram, SMS and mail."
    hook = c.secret("slack_webhook", "user")
    tg = c.secret("telegram_bot", "user")
    tw = c.secret("twilio_auth_token", "user")
    mg = c.secret("mailgun", "user")
    redis_pw = c.password("user", "redis_url_password")
    curl_user = c.fk().user_name()
    curl_pw = c.password("user", "curl_basic_auth")
    whsec = c.secret("stripe_webhook_secret", "user")
    az, azkey = V.azure_storage_connection(c.rng, "pollenprod")
    c.secret_value("azure_storage_key", azkey, "user")
    u = c.pick(
        lambda: (
            f"Alerts don't arrive. Slack hook {hook}, telegram bot {tg}. Twilio auth token {tw}, mailgun {mg}.\n"
            f"queue: redis://:{redis_pw}@cache.internal:6379/0\n"
            f"test: curl -u {curl_user}:{curl_pw} https://api.pollen.example/v2/ping"
        ),
        lambda: (
            f"{c.ok('Since', 'user')} yesterday the webhook signature fails. Secret {whsec}. Storage: {az}\n"
            f"REDIS_URL=redis://:{redis_pw}@10.0.3.7:6379\n$ curl -u {curl_user}:{curl_pw} -X POST https://hooks.pollen.example/test\n"
            f"slack: {hook}"
        ),
    )
    for g in list(c.gold):
        if g.field == "user" and g.value not in u:
            c.gold.remove(g)
    ans = (
        f"Rotate those credentials first. Then re-add the Slack app and check the {c.ok('HTTP 429 Too Many Requests', 'assistant')} "
        "responses in the delivery log."
    )
    meta = {
        "workspace_plan": c.ok("Enterprise tier", "metadata"),
        "webhook_secret": c.secret("webhook_signing_secret", "metadata"),
        "smtp": {
            "host": "smtp.pollen.example",
            "username": "alerts",
            "password": c.password("metadata", "json_password"),
        },
    }
    return c.line(system=system, messages=[user(u)], answer=ans, metadata=meta, tags=["integrations"])


_OPENINGS = {
    "de_DE": ("Hier ist nochmal {n}.", "Hallo, {n} hier."),
    "nl_NL": ("Met {n} weer.", "Hoi, je spreekt weer met {n}."),
    "fr_FR": ("C'est encore {n}.", "Bonjour, ici {n}."),
    "es_ES": ("Soy {n} otra vez.", "Hola, os escribe {n}."),
    "it_IT": ("Sono di nuovo {n}.", "Salve, sono {n}."),
    "pl_PL": ("Tu znowu {n}.", "Dzień dobry, z tej strony {n}."),
    "ja_JP": ("{n}です。またお願いします。", "お世話になっております、{n}です。"),
}


@fam
def ho_multilingual_return(c: Ctx) -> dict:
    system = "Returns assistant for Nordlicht Home. Reply in the customer's language. Returns are free within 30 days."
    loc = c.choice(tuple(_OPENINGS))
    first, last = c.person(loc)
    n = c.pii("PERSON", c.choice((first, f"{first} {last}")), "user", "opening")
    opening = c.choice(_OPENINGS[loc]).format(n=n)
    ph = c.phone("user", c.choice(("national", "parentheses", "extension")), loc=loc)
    addr = c.address("user", loc=loc)
    ref = c.ok(order_ref(c.rng), "user")
    body = c.pick(
        lambda: f"{opening} Retour {ref}: abholen bitte bei {addr}. Tel. {ph}",
        lambda: f"{opening} {ref} — pickup address {addr}, phone {ph}.",
        lambda: f"{opening} {ref} {addr} {ph} {c.ok_pick(NONLATIN_BENIGN, 'user')}",
    )
    sig = c.pii("PERSON", f"{first} {last}", "user", "signature")
    body += f"\n\n--\n{sig}"
    hist = assistant(f"Danke {first}! Welche Artikel möchten Sie zurückgeben?")
    c.pii("PERSON", first, "assistant", "first")
    u2 = c.pick(
        lambda: f"Die Lampe, {c.ok('Smart Reply', 'user')} hat das schon vorgeschlagen.",
        lambda: f"the {c.ok('Starter bundle', 'user')} — all of it",
    )
    a1, cid = call(c, "schedule_pickup", {"ref": ref, "name": sig, "address": addr, "phone": ph})
    r1 = result(
        cid,
        {
            "pickup_window": f"{plain_date(c.rng)} 08:00-12:00",
            "label_url": f"https://r.nordlicht.example/l/{c.ids('lbl')}",
        },
    )
    ans = c.pick(
        lambda: f"Abholung ist gebucht. Der Fahrer ruft vorher unter {ph} an.",
        lambda: "Pickup booked; you'll get the label by e-mail.",
    )
    return c.line(
        system=system, messages=[user(body), hist, user(u2), a1, r1], answer=ans, tags=["returns", loc]
    )


@fam
def ho_chargeback(c: Ctx) -> dict:
    system = "Disputes assistant for Tally Payments merchants. Gather evidence for chargebacks."
    brand = c.choice(
        (
            "rupay",
            "mir",
            "troy",
            "elo",
            "unionpay",
            "jcb",
            "diners",
            "maestro",
            "amex",
            "visa",
            "mastercard",
            "discover",
        )
    )
    number = V.card_number(c.rng, brand)
    style = c.choice(("spaced_dash", "double_space", "nbsp", "dots", "compact", "thin_space"))
    shown = V.format_card(number, brand, style)
    glued = c.rng.random() < 0.35
    c.pii("CREDIT_CARD", number if glued else shown, "user", f"{brand}/{'glued' if glued else style}")
    card_txt = f"PAN{number}EXP0{c.rng.randint(1, 9)}/2{c.rng.randint(7, 9)}" if glued else shown
    amt = f"€{c.rng.randint(20, 900)}.{c.rng.randint(0, 99):02d}"
    u = c.pick(
        lambda: (
            f"Customer disputes {amt} on {card_txt}. {c.ok('Invalid signature', 'user')} on the delivery slip, I think."
        ),
        lambda: (
            f"chargeback on card {card_txt} for {c.ok(order_ref(c.rng), 'user')} ({amt}). what evidence do you need?"
        ),
        lambda: f"{c.ok('Bill me annually', 'user')} was what they picked, now a dispute: {card_txt}, {amt}",
        lambda: (
            f"dispute for {amt}, the gateway webhook body was: "
            + json.dumps(
                {
                    "type": "charge.dispute.created",
                    "data": {
                        "card": card_txt,
                        "billing_details": {
                            "name": c.name("user"),
                            "email": c.email("user"),
                            "phone": c.phone("user", "e164"),
                        },
                    },
                },
                ensure_ascii=False,
            )
        ),
    )
    buyer = c.name("tool_result")
    a1, cid = call(c, "fetch_transaction", {"pan_last4": number[-4:], "amount": amt})
    r1 = result(
        cid,
        {
            "buyer": {
                "name": buyer,
                "email": c.email("tool_result", style="plain"),
                "ip": c.ip("tool_result"),
            },
            "shipping": c.address("tool_result"),
            "3ds": "frictionless",
            "processor": c.ok_pick(
                ("Goldman Sachs", "Wells Fargo", "Charles Schwab", "Morgan Stanley"), "tool_result"
            ),
        },
    )
    ans = f"Upload the signed delivery note and the 3-D Secure record for {buyer}. Deadline is {c.ok(plain_date(c.rng), 'assistant')}."
    fb = {
        "thumbs": "up",
        "comment": c.pick(lambda: f"{c.ok('PayPal', 'feedback')} disputes are easier", "ok"),
    }
    return c.line(system=system, messages=[user(u), a1, r1], answer=ans, feedback=fb, tags=["disputes"])


@fam
def ho_device_inventory(c: Ctx) -> dict:
    system = "Fleet assistant for the IT team at Osprey Freight. Answers questions about laptops and phones in the MDM."
    owner = c.name("user", c.choice(("full", "nonlatin", "lower")))
    u = c.pick(
        lambda: (
            f"Which devices does {owner} have? One is on {c.ok(version_string(c.rng), 'user')} and won't enrol."
        ),
        lambda: f"{c.ok('Mark', 'user')} {owner}'s laptop as lost pls",
        lambda: f"Is {owner}'s phone still on {c.ok('Android 14', 'user')}?",
    )
    a1, cid = call(c, "mdm_query", {"owner": owner})
    devs = []
    for _ in range(c.rng.randint(1, 3)):
        devs.append(
            {
                "serial": f"C02{''.join(c.rng.choice(V.UPPER + V.DIGITS) for _ in range(7))}",
                "wifi_mac": c.mac("tool_result"),
                "last_ip": c.ip("tool_result"),
                "os": c.ok_pick(
                    ("Windows 11 Pro", "macOS Sonoma 14.6", "iOS 17.5.1", "Android 14"), "tool_result"
                ),
                "firmware": c.ok(version_string(c.rng), "tool_result"),
            }
        )
    r1 = result(cid, {"owner": owner, "devices": devs, "location": c.ok_pick(CITY_CONTEXT, "tool_result")})
    ans = f"{owner} has {len(devs)} device(s). The first one last checked in from {devs[0]['last_ip']}."
    return c.line(system=system, messages=[user(u), a1, r1], answer=ans, tags=["mdm"])


@fam
def ho_account_recovery(c: Ctx) -> dict:
    system = "Account recovery agent for Corvid Mail. Verify identity with the recovery phone; never reveal passwords."
    first, last = c.person()
    enc = c.email("user", first, last, "urlencoded")
    jwt = c.secret("jwt", "user")
    link = f"https://account.corvid.example/recover?email={enc}&token={jwt}&lang=en"
    pw = c.password("user")
    key = c.secret(c.choice(("openai", "anthropic")), "user")
    u = c.pick(
        lambda: f"This link doesn't work: {link}\nI think my password is {pw} but it's rejected.",
        lambda: (
            f"{c.ok('Please', 'user')} help, locked out. tried {link} . my pass is {pw}, my API key {key} is still in the settings page"
        ),
        lambda: f"reset link broken -> {link} ; old password: {pw}",
    )
    for g in list(c.gold):
        if g.value not in u:
            c.gold.remove(g)
    ans = f"I can't use passwords sent in chat. We sent a code to the recovery phone ending {c.rng.randint(10, 99)}. {c.ok('OAuth 2.0', 'assistant')} apps keep working."
    err_chance = c.rng.random()
    meta = {
        "recovery_email": c.email("metadata", style=c.choice(("at_dot", "spelled", "upper"))),
        "ip": c.ip("metadata"),
        "browser": c.ok_pick(BROWSERS, "metadata"),
    }
    if err_chance < 0.3:
        err = {
            "type": "invalid_request_error",
            "code": "context_length_exceeded",
            "message": f"This model's maximum context length is 8192 tokens. Request from {enc} rejected.",
        }
        return c.line(system=system, messages=[user(u)], error=err, metadata=meta, tags=["recovery"])
    return c.line(
        system=system,
        messages=[user(u)],
        answer=ans,
        metadata=meta,
        user_id=c.email("user_id", first, last),
        tags=["recovery"],
    )


@fam
def ho_insurance_claim(c: Ctx) -> dict:
    system = (
        "Motor claims intake for Harbour Mutual. Collect driver, vehicle and bank details for the payout."
    )
    driver = c.name("user")
    lic = c.licence("user")
    d = c.dob("user")
    ib = c.iban("user")
    u = c.pick(
        lambda: f"Accident yesterday. Driver {driver}, licence {lic}, DOB {d}. Pay the repair to {ib}.",
        lambda: (
            f"{c.ok('After', 'user')} the crash on the A40: driver was {driver} (licence no. {lic}, born {d}). bank {ib}"
        ),
    )
    other = c.name("user", c.choice(("full", "nonlatin")))
    u += f" The other driver is {other}, phone {c.phone('user')}."
    claim = {
        "claimant": {"name": driver, "licence_number": lic, "date_of_birth": d},
        "third_party": {"name": other, "insurer": c.ok_pick(COMPANIES, "tool_args")},
        "payout": {"iban": ib, "account_holder": driver},
    }
    if c.loc == "en_GB" or c.rng.random() < 0.3:
        claim["claimant"]["ni_number"] = c.ni("tool_args")
    if c.rng.random() < 0.35:
        u += f" For the US policy his social is {c.ssn('user', 'compact')}."
    a1, cid = call(c, "open_claim", claim)
    r1 = result(
        cid,
        json.dumps(
            {
                "claim_id": f"HM-{c.rng.randint(10**6, 10**7)}",
                "assessor": c.name("tool_result"),
                "garage": c.ok("Dell Technologies" if c.rng.random() < 0.1 else "Kwik Fit", "tool_result"),
            }
        ),
    )
    ans = f"Claim opened for {driver}. An assessor will call within two working days."
    return c.line(system=system, messages=[user(u), a1, r1], answer=ans, tags=["claims"])


@fam
def ho_recruiting(c: Ctx) -> dict:
    recruiter = c.name("system")
    system = f"Recruiting assistant. Ticket owner: {recruiter}. Screen CVs against the job description; be fair and brief."
    cand_loc = c.choice(("en_IN", "ja_JP", "pl_PL", "it_IT", "fr_FR", "en_AU", "es_ES", "nl_NL"))
    cand = c.name("user", c.choice(("full", "nonlatin")), loc=cand_loc)
    cv = (
        f"CURRICULUM VITAE\n{cand}\n{c.address('user', loc=cand_loc)}\n{c.phone('user', loc=cand_loc)} | "
        f"{c.email('user', style=c.choice(('plain', 'at_dot', 'paren_at')))}\n"
        f"Date of birth: {c.dob('user')}\n\nEXPERIENCE\n2019-2025 Data engineer, {c.ok_pick(COMPANIES, 'user')}\n"
        f"Tools: {c.ok('Google Sheets', 'user')}, Airflow, dbt\n"
    )
    if cand_loc == "en_IN":
        cv += f"PAN: {c.national_id('user', 'in_pan')}\n"
    u = c.pick(
        lambda: f"Screen this one for the analytics role:\n{cv}",
        lambda: f"{c.ok('May', 'user')} I get a quick score?\n{cv}",
    )
    ans = c.pick(
        lambda: f"{cand} fits the role: 6 years of pipelines, strong SQL. Suggest a call with {recruiter}.",
        lambda: f"Good match (4/5). {c.ok_pick(TECH, 'assistant')} experience is a plus.",
    )
    fb = {
        "thumbs": c.choice(("up", "down")),
        "comment": c.pick(lambda: f"score ok — {c.ok_pick(PRODUCTS, 'feedback')} trial user btw", "fine"),
    }
    return c.line(system=system, messages=[user(u)], answer=ans, feedback=fb, tags=["recruiting"])
