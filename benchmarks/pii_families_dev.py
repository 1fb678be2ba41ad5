"""Development split of the held-out PII corpus: template families `dev_*` (see pii_heldout.py).

Scenarios: a web shop's order assistant, a card-refund desk, a developer pasting configs, an HR
onboarding bot, a marketplace payout form, a login help-desk, a home-router helper and an e-mail
triage assistant.  None of these families' frames, tools or system prompts appear in the held-out
split (pii_families_heldout.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pii_values as V
from pii_heldout import (
    BROWSERS,
    COMPANIES,
    PRODUCTS,
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
def dev_shop_delivery(c: Ctx) -> dict:
    agent = c.name("system")
    sup = c.name("system", "first")
    system = (
        f"You are the ShopNest order assistant. Agent on duty: {agent}. For refunds above EUR 500 "
        f"hand over to {sup}. Never promise delivery dates."
    )
    order = c.ok(order_ref(c.rng), "user")
    addr = c.address("user")
    ph = c.phone("user")
    u = c.pick(
        lambda: f"Hi, I moved last week. Please send {order} to {addr} instead. Phone for the courier: {ph}",
        lambda: (
            f"can you change the delivery address of {order}? new one is {addr}, call me on {ph} if the driver can't find it"
        ),
        lambda: (
            f"{c.ok('Does', 'user')} the courier deliver on Saturdays? My new address: {addr}. Mobile {ph}."
        ),
    )
    recipient = c.name("tool_args")
    parts = c.address_json("tool_args")
    a1, cid = call(
        c,
        "update_shipping_address",
        {"order_ref": order, "recipient_name": recipient, **parts, "contact_phone": ph},
    )
    carrier = c.ok(c.choice(("DHL Express", "PostNL", "Colissimo", "Royal Mail Tracked 24")), "tool_result")
    r1 = result(
        cid,
        {"ok": True, "carrier": carrier, "eta": plain_date(c.rng), "address_verified": c.rng.random() < 0.7},
    )
    ans = f"Done: {order} now goes to {parts['street']} with {carrier}. The driver may ring {ph} on arrival."
    meta = {
        "channel": "web",
        "browser": c.ok_pick(BROWSERS, "metadata"),
        "shopper_ip": c.ip("metadata"),
        "plan": c.ok_pick(PRODUCTS, "metadata"),
    }
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=ans,
        metadata=meta,
        tools=[tool("update_shipping_address", "Change where an order ships", "order_ref", "recipient_name")],
        tags=["shipping", "address_change"],
    )


@fam
def dev_card_refund(c: Ctx) -> dict:
    system = "You are RefundBot for Voltio Energy. Verify the card's last four digits before refunding. Mask card numbers in replies."
    card = c.card("user")
    first, last = c.person()
    holder = c.pii("PERSON", f"{first} {last}", "user", "full")
    ref = c.ok(order_ref(c.rng), "user")
    u = c.pick(
        lambda: (
            f"I was charged twice for {ref}. Card {card}, name on card {holder}. {c.ok('Will the refund', 'user')} take long?"
        ),
        lambda: f"{c.ok('From', 'user')} my statement: two debits for {ref}. The card is {card} ({holder}).",
        lambda: f"refund pls, card={card} holder {holder.lower()} ref {ref}",
    )
    if "holder " + holder.lower() in u:
        c.pii("PERSON", holder.lower(), "user", "lower")
    args = {
        "card_number": card,
        "cardholder": holder,
        "amount_eur": round(c.rng.uniform(9, 400), 2),
        "reference": ref,
    }
    a1, cid = call(c, "create_refund", args)
    if c.rng.random() < 0.4:
        err = {
            "type": "invalid_request_error",
            "code": "card_declined",
            "message": f"{c.ok('Invalid', 'error')} card {card}: issuer refused the refund for {holder}",
        }
        return c.line(system=system, messages=[user(u), a1], error=err, tags=["refund"])
    r1 = result(cid, {"refund_id": c.ids("re_"), "status": "pending", "card_brand": "card", "holder": holder})
    ans = f"Thanks {first}, the refund for {ref} is on its way to the card ending in {card[-4:]}."
    c.pii("PERSON", first, "assistant", "first")
    fb = {
        "thumbs": c.choice(("up", "down")),
        "comment": f"took ages, {c.ok('Charles Schwab', 'feedback')} refunds faster",
    }
    return c.line(
        system=system, messages=[user(u), a1, r1], answer=ans, feedback=fb, tags=["refund", "billing"]
    )


@fam
def dev_config_paste(c: Ctx) -> dict:
    system = "You are a senior backend engineer helping customers debug API integrations. Answer with code."
    kinds = c.rng.sample(
        [
            "stripe_secret",
            "sendgrid",
            "github_pat",
            "openai",
            "npm",
            "slack_bot_token",
            "gcp_api_key",
            "huggingface",
        ],
        3,
    )
    akid = c.secret("aws_access_key_id", "user")
    asec = c.secret("aws_secret_access_key", "user")
    env = "\n".join(f"{k.upper()}_KEY={c.secret(k, 'user')}" for k in kinds)
    dbpw = c.password("user", "env_password")
    u = (
        f"Getting {c.ok('HTTP 401 Unauthorized', 'user')} from the upload endpoint. My .env:\n"
        f"AWS_ACCESS_KEY_ID={akid}\nAWS_SECRET_ACCESS_KEY={asec}\n{env}\nDATABASE_PASSWORD={dbpw}\n"
        f"NODE_ENV=production\nWhat am I doing wrong?"
    )
    if c.rng.random() < 0.3:
        pem, body = V.pem_private_key(c.rng)
        c.secret_value("pem_private_key", body, "user")
        u += f"\nand the service account key:\n{pem}"
    if c.rng.random() < 0.5:
        tok = c.secret("jwt", "user")
        u += f"\nThe request sends Authorization: {c.ok('Bearer', 'user')} {tok}"
    ans = (
        "Rotate every key you pasted: they are now in a chat log. The 401 means the signature is computed with "
        f"a different secret; check the region ({c.ok('eu-central-1', 'assistant')})."
    )
    meta = {"sdk": f"node {c.ok(version_string(c.rng), 'metadata')}", "ide": "VS Code"}
    return c.line(system=system, messages=[user(u)], answer=ans, metadata=meta, tags=["developer"])


@fam
def dev_hr_onboarding(c: Ctx) -> dict:
    hr = c.name("system")
    system = f"You are the onboarding assistant of Kestrel Logistics HR. HR contact: {hr}. Collect documents; never repeat ID numbers back."
    name = c.name("user")
    d = c.dob("user")
    idline = c.pick(
        lambda: f"My NI number is {c.ni('user')}",
        lambda: f"SSN {c.ssn('user')}",
        lambda: f"social security number {c.ssn('user', 'compact')}",
        lambda: f"passport {c.passport('user')}",
        lambda: f"driving licence {c.licence('user')}",
    )
    u = c.pick(
        lambda: (
            f"Hello, I'm {name}, starting Monday. Date of birth {d}. {idline}. {c.ok('Passport photo', 'user')} attached."
        ),
        lambda: f"{name} here. born {d}, {idline}. Do I need the {c.ok('Team plan', 'user')} laptop?",
    )
    emp = {
        "full_name": name,
        "date_of_birth": d,
        "personal_email": c.email("tool_args"),
        "home_address": c.address("tool_args"),
        "emergency_contact": c.name("tool_args"),
        "emergency_phone": c.phone("tool_args"),
    }
    a1, cid = call(c, "create_employee_record", emp)
    r1 = result(
        cid,
        {
            "employee_id": f"E{c.rng.randint(10000, 99999)}",
            "start_date": plain_date(c.rng),
            "manager": c.name("tool_result"),
            "office": c.ok("our Berlin office", "tool_result"),
        },
    )
    ans = f"Welcome aboard! Your record is created and {hr.split()[0]} will send the contract."
    c.pii("PERSON", hr.split()[0], "assistant", "first")
    return c.line(system=system, messages=[user(u), a1, r1], answer=ans, tags=["hr"])


@fam
def dev_marketplace_payout(c: Ctx) -> dict:
    system = "You are the seller support assistant for Marketly. Sellers update payout details here."
    holder = c.name("user")
    ib = c.iban("user")
    u = c.pick(
        lambda: f"Please pay my sales into {ib}, account holder {holder}.",
        lambda: (
            f"new bank account for payouts: {ib} (in the name of {holder}). The {c.ok('Pro plan', 'user')} fee can come off it too."
        ),
        lambda: f"IBAN {ib} — {holder}. {c.ok('May I', 'user')} switch to weekly payouts?",
    )
    args = {
        "seller_id": c.ids("sel_"),
        "iban": ib,
        "account_holder": holder,
        "tax_id": c.national_id("tool_args"),
    }
    a1, cid = call(c, "set_payout_account", args)
    r1 = result(
        cid,
        {"status": "verified", "event": json.dumps({"bank": "Sparkasse", "holder_match": True, "iban": ib})},
    )
    ans = f"Your payout account is set. We'll use {ib[:4]}… from the next cycle ({c.ok(plain_date(c.rng), 'assistant')})."
    meta = {
        "account_holder": holder,
        "seller_tier": c.ok("Business Premium", "metadata"),
        "x-api-key": c.secret("generic_api_key", "metadata"),
    }
    return c.line(system=system, messages=[user(u), a1, r1], answer=ans, metadata=meta, tags=["payouts"])


@fam
def dev_login_help(c: Ctx) -> dict:
    system = "You help users of the Pinecrest Bank app who cannot log in. Do not ask for full passwords."
    first, last = c.person()
    c.pii("PERSON", first, "user", "first")
    em = c.email("user", first, last, c.choice(("at_dot", "paren_at", "spelled", "plain")))
    ph = c.phone("user", c.choice(("extension", "bare", "parentheses", "national")))
    dev = c.ok_pick(("Android 14", "iOS 17.5.1", "Chrome 131", "Safari 17.4"), "user")
    u = c.pick(
        lambda: (
            f"{first} here again. Still locked out on {dev}. My login e-mail is {em}, you can reach me at {ph}."
        ),
        lambda: f"Hi it's {first} again — the code never arrives on {ph}. E-mail: {em}. Using {dev}.",
    )
    hist = assistant(f"Sorry to hear that, {first}. Can you confirm the phone number on the account?")
    pw = c.password("user")
    u2 = c.choice((f"ok and my password is {pw} if that helps", f"It's {ph}. fwiw my password is {pw}"))
    a1, cid = call(c, "verify_login", {"login": em, "password": pw, "otp_channel": "sms"})
    r1 = result(cid, {"valid": False, "locked_until": plain_date(c.rng)})
    ans = f"Please never share your password. I've sent a reset link; it expires in 15 minutes. {c.ok('2FA', 'assistant')} stays on."
    meta = {
        "device": dev,
        "client_ip": c.ip("metadata"),
        "app_version": c.ok(version_string(c.rng), "metadata"),
    }
    fb = {"thumbs": "down", "comment": f"{c.ok('Invalid', 'feedback')} link again. {first} {last}"}
    c.pii("PERSON", f"{first} {last}", "feedback", "signature")
    return c.line(
        system=system,
        messages=[user(u), hist, user(u2), a1, r1],
        answer=ans,
        metadata=meta,
        feedback=fb,
        user_id=c.email("user_id", first, last),
        tags=["login"],
    )


@fam
def dev_router_help(c: Ctx) -> dict:
    system = "You are the NetHome assistant for home routers and mesh Wi-Fi. Give step-by-step instructions."
    fw = c.ok(version_string(c.rng), "user")
    mac1 = c.mac("user")
    ip1 = c.ip("user", v6=False)
    u = c.pick(
        lambda: f"After the update to {fw} my printer ({mac1}) drops off. The router's public IP is {ip1}.",
        lambda: (
            f"{c.ok('Chrome', 'user')} says {c.ok('ERR_SSL_PROTOCOL_ERROR', 'user')} on the admin page since {fw}. Device MAC {mac1}, WAN {ip1}"
        ),
    )
    a1, cid = call(c, "list_connected_devices", {"router_serial": f"NH{c.rng.randint(10**7, 10**8 - 1)}"})
    owner = c.name("tool_result", c.choice(("full", "lower")))
    devices = [
        {"mac": mac1, "ip": "192.168.1.23", "name": "printer"},
        {"mac": c.mac("tool_result"), "ip": c.ip("tool_result", v6=True), "name": f"{owner}'s phone"},
    ]
    r1 = result(cid, {"devices": devices, "firmware": fw})
    ans = f"Your printer {mac1} is on the 2.4 GHz band. Turn off band steering in the app ({c.ok('Dark Mode', 'assistant')} toggle is next to it)."
    ctx = [
        {
            "id": "kb/mesh.md#3",
            "score": 0.71,
            "content": "Band steering moves clients between bands; some printers only support 2.4 GHz.",
        }
    ]
    return c.line(system=system, messages=[user(u), a1, r1], answer=ans, context=ctx, tags=["network"])


@fam
def dev_mail_triage(c: Ctx) -> dict:
    me = c.name("system")
    system = f"You triage the inbox of {me}. Summarise each e-mail in one line and suggest a reply."
    sender_first, sender_last = c.person()
    sender = c.pii("PERSON", f"{sender_first} {sender_last}", "user", "signature")
    company = c.ok_pick(COMPANIES, "user")
    sig_phone = c.phone("user", c.choice(("international", "national", "extension")))
    sig_mail = c.email("user", sender_first, sender_last)
    body = (
        f"Subject: contract renewal\n\nHi,\n\nplease find the revised quote attached. {c.ok('Could', 'user')} we "
        f"talk on {c.ok(plain_date(c.rng), 'user')}?\n\nBest regards,\n{sender}\nAccount Manager, {company}\n"
        f"Tel. {sig_phone}\n{sig_mail}"
    )
    if c.rng.random() < 0.5:
        body += f"\n{c.address('user')}"
    ans = f"{sender_first} from {company} sent a revised quote and wants a call. Suggested reply: confirm the date."
    c.pii("PERSON", sender_first, "assistant", "first")
    fb = {
        "thumbs": "up",
        "comment": c.pick(
            "good summary", lambda: f"summary fine but it missed {c.ok('Microsoft Teams', 'feedback')} link"
        ),
    }
    meta = {"mailbox": c.email("metadata"), "labels": ["work"], "client": c.ok("Microsoft Teams", "metadata")}
    return c.line(
        system=system, messages=[user(body)], answer=ans, feedback=fb, metadata=meta, tags=["email"]
    )


# pools imported for completeness of the public benign vocabulary in this split
_ = (TECH, V)
