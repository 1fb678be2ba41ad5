"""Template families of the `heldout2` split of the PII benchmark corpus (families `h2_*`).

A names-heavy held-out split (issue 12): every record carries several person names in the shapes
real chat, support and business logs have them (lone first names, lower-case names typed by users,
openings and sign-offs, agents named in system prompts, names under JSON keys of tool calls and
results, CRM notes and quoted e-mail threads, names with particles, apostrophes, hyphens and
titles, possessives and lists, @mentions, non-Latin scripts, feedback comments and metadata), next
to text a naive name finder would mask (capitalised words, words that are also first names,
person-like brands and places, plan and team vocabulary), marked as benign.

Scenarios, one family each:

* ``h2_it_service_desk``        IT service desk copilot (tickets, assignees, laptop swaps)
* ``h2_mortgage_advice``        mortgage advice bot (applicants, brokers, valuations)
* ``h2_hotel_concierge``        hotel concierge chat (guests, reservations, restaurant bookings)
* ``h2_ride_dispatch``          taxi / ride dispatcher chat (drivers, riders, pickups)
* ``h2_telecom_cancellation``   telecom contract cancellation (account holders, retention agents)
* ``h2_meeting_notes``          meeting-notes summariser (attendees, action items, transcripts)
* ``h2_legal_intake``           legal intake form assistant (clients, opposing parties, solicitors)
* ``h2_pharmacy_refill``        pharmacy prescription refill (patients, prescribers, pharmacists)
* ``h2_game_moderation``        online game moderation reports (players, handles, moderators)
* ``h2_insurance_claims``       insurance claims handler (policyholders, adjusters, witnesses)
* ``h2_admissions_office``      university admissions office (applicants, referees, advisers)
* ``h2_home_repair``            home-repair booking (homeowners, tradespeople, site contacts)

Conventions of the gold (PERSON ``kind`` labels): ``first``, ``lower``, ``upper``, ``opening``,
``signature``, ``system``, ``json``, ``context``, ``compound`` (particles, ``O'``/``Mc``, hyphenated
given or family names, Spanish double surnames), ``title`` (the title - Dr., Frau, Mme, Avv., Pani -
stays outside the planted value: only the name part is gold), ``possessive`` (the name without
``'s``), ``list``, ``mention`` (the handle without the ``@``), ``nonlatin``, ``feedback``,
``metadata``, plus ``full``/``last`` for names repeated in running text.  The people of a record
(customer, agent, third parties) come back in several fields - the user's opening, the tool
arguments, the tool result, the answer - and each occurrence is planted for its own field.

How this split was kept independent
-----------------------------------
Written for issue 12 without knowledge of the scrubber's rules.  While writing it, nothing under
``evalpipe/pii/`` or ``evalpipe/synth/`` was opened, nor ``benchmarks/pii_corpus.py``,
``benchmarks/pii_dev_corpus.py``, ``benchmarks/pii_families_dev.py``,
``benchmarks/pii_families_heldout.py``, the other new split's file (``dev2``) or any other
worktree; the repository was not grepped for name rules.  The scrubber (``evalpipe scrub``,
``benchmarks/pii.py``, ``Scrubber``) was never run on this split.  Only the corpus infrastructure
(``benchmarks/pii_heldout.py``: ``Ctx``, ``call``, ``result``, ``user``, ``assistant``, ``tool``,
the benign pools, ``build_split``), the value generators (``benchmarks/pii_values.py``) and the
log schema were read, and none of them was changed; the helpers this split needs are defined
below.  Sentence frames, system prompts, tool names and JSON keys were written from what support,
booking and back-office assistants log, and the name shapes from the issue's list.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

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


# ------------------------------------------------------------------------------ name helpers
LATIN = ("de_DE", "nl_NL", "fr_FR", "es_ES", "en_GB", "en_IN", "en_AU", "it_IT", "pl_PL", "en_US")
PARTICLES = {
    "nl_NL": ("van der", "van den", "van", "de", "ter"),
    "de_DE": ("von", "von der", "zu"),
    "fr_FR": ("de", "du", "de la", "Le"),
    "es_ES": ("de la", "del", "de los", "de"),
    "it_IT": ("De", "Di", "Lo", "Della"),
    "pl_PL": ("",),
}
IRISH = ("Neill", "Brien", "Connor", "Sullivan", "Reilly", "Donnell", "Hara", "Dwyer", "Keeffe", "Mahony")
TITLES = {
    "de_DE": ("Herr", "Frau", "Dr."),
    "nl_NL": ("dhr.", "mevr.", "Dr."),
    "fr_FR": ("M.", "Mme", "Maître", "Dr"),
    "es_ES": ("Sr.", "Sra.", "Dra."),
    "it_IT": ("Sig.", "Sig.ra", "Dott.", "Avv."),
    "pl_PL": ("Pan", "Pani", "dr"),
}
EN_TITLES = ("Dr.", "Mr", "Mrs", "Ms", "Prof.", "Mr.", "Dr")


def latin_loc(c: Ctx) -> str:
    return c.loc if c.loc in LATIN else c.choice(LATIN)


def other_loc(c: Ctx) -> str:
    """A second Latin-script locale: teams in these logs are international."""
    return c.choice(LATIN)


def ascii_handle(s: str) -> str:
    s = s.replace("ł", "l").replace("Ł", "L").replace("ß", "ss")
    s = "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))
    return re.sub(r"[^a-z]", "", s.lower())


class Who:
    """One person of a record: the same name comes back in several fields, as in real logs."""

    def __init__(self, c: Ctx, loc: str | None = None):
        self.c, self.loc = c, loc or latin_loc(c)
        self.first, self.last = c.person(self.loc)

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    def f(self, fld: str, kind: str = "first") -> str:
        return self.c.pii("PERSON", self.first, fld, kind)

    def n(self, fld: str, kind: str) -> str:
        return self.c.pii("PERSON", self.name, fld, kind)


def who(c: Ctx, p: Who | None, loc: str | None = None) -> Who:
    return p or Who(c, loc)


def first(c: Ctx, fld: str, loc: str | None = None, p: Who | None = None) -> str:
    return who(c, p, loc or c.loc).f(fld, "first")


def full(c: Ctx, fld: str, kind: str, loc: str | None = None, p: Who | None = None) -> str:
    return who(c, p, loc or c.loc).n(fld, kind)


def given(c: Ctx, fld: str, kind: str, loc: str | None = None, p: Who | None = None) -> str:
    return who(c, p, loc or c.loc).f(fld, kind)


def lower(c: Ctx, fld: str, whole: bool | None = None, p: Who | None = None) -> str:
    p = who(c, p)
    whole = c.rng.random() < 0.7 if whole is None else whole
    return c.pii("PERSON", (p.name if whole else p.first).lower(), fld, "lower")


def upper(c: Ctx, fld: str, p: Who | None = None) -> str:
    return c.pii("PERSON", who(c, p).name.upper(), fld, "upper")


def compound(c: Ctx, fld: str, loc: str | None = None) -> str:
    loc = loc or latin_loc(c)
    f, last = c.person(loc)
    f2, last2 = c.person(loc)
    shape = c.rng.randrange(4)
    if shape == 0 and PARTICLES.get(loc, ("",)) != ("",):
        value = f"{f} {c.choice(PARTICLES[loc])} {last.split()[-1]}"
    elif shape <= 1 and loc.startswith("en_") and loc != "en_IN":
        value = f"{f} O'{c.choice(IRISH)}" if c.rng.random() < 0.6 else f"{f} {c.choice(('Mc', 'Mac'))}{last}"
    elif shape <= 1:
        value = f"{f} {last} {c.choice(('y', 'i', 'e'))} {last2}" if loc == "es_ES" else f"{f} {last}-{last2}"
    elif shape == 2:
        value = f"{f.split('-')[0]}-{f2.split('-')[0]} {last}"
    else:
        value = f"{f} {last}-{last2}"
    return c.pii("PERSON", value, fld, "compound")


def titled(c: Ctx, fld: str, loc: str | None = None, p: Who | None = None) -> str:
    """'Dr. Okafor', 'Frau Schulz', 'Mme Claire Laurent': the title stays outside the planted value."""
    p = who(c, p, loc)
    value = p.last if c.rng.random() < 0.65 else p.name
    return f"{c.choice(TITLES.get(p.loc, EN_TITLES))} {c.pii('PERSON', value, fld, 'title')}"


def possessive(c: Ctx, fld: str, loc: str | None = None, p: Who | None = None) -> str:
    return who(c, p, loc).f(fld, "possessive") + "'s"


def name_list(c: Ctx, fld: str, k: int | None = None) -> str:
    k = k or c.rng.randint(2, 4)
    names = [c.pii("PERSON", c.person(other_loc(c))[0], fld, "list") for _ in range(k)]
    last_sep = c.choice((" and ", " & ")) if k == 2 else c.choice((" and ", ", and ", " & ", ", "))
    return ", ".join(names[:-1]) + last_sep + names[-1]


def handle(c: Ctx, fld: str, loc: str | None = None, at: bool = True, p: Who | None = None) -> str:
    p = who(c, p, loc)
    a, b = ascii_handle(p.first) or "sam", ascii_handle(p.last) or "lee"
    h = c.pick(f"{a}.{b}", f"{a}_{b}", f"{a[0]}{b}", f"{a}{b[:1]}", f"{a}.{b}{c.rng.randint(1, 99)}")
    return ("@" if at else "") + c.pii("PERSON", h, fld, "mention")


def nonlatin(c: Ctx, fld: str) -> str:
    return c.name(fld, "nonlatin")


def opening(c: Ctx, fld: str, team: str, p: Who | None = None) -> str:
    n = who(c, p).f(fld, "opening")
    return c.pick(
        f"{n} here again",
        f"This is {n} from {team}",
        f"it's {n}",
        f"{n} speaking",
        f"Hi, {n} here",
        f"hey it's {n} again",
        f"Hello, my name is {n}",
        f"{n} again, sorry",
    )


def signoff(c: Ctx, fld: str, loc: str | None = None, p: Who | None = None) -> str:
    p = who(c, p, loc)
    shape = c.rng.randrange(7)
    if shape == 0:
        return "Cheers,\n" + p.f(fld, "signature")
    if shape == 1:
        return c.ok("Best regards", fld) + ", " + p.n(fld, "signature")
    if shape == 2:
        return "— " + p.f(fld, "signature")
    if shape == 3:
        return "Thanks, " + c.pii("PERSON", f"{p.first[0]}. {p.last}", fld, "signature")
    if shape == 4:
        return c.ok("Kind regards", fld) + ",\n" + p.n(fld, "signature")
    if shape == 5:
        team = c.ok(c.choice(("Customer Success", "Accounts Payable", "Night Shift")), fld)
        return "--\n" + p.n(fld, "signature") + " | " + team
    return "Sent from my phone\n" + p.f(fld, "signature")


def meta_name(c: Ctx) -> str:
    return full(c, "metadata", "metadata", other_loc(c))


def fb_name(c: Ctx) -> str:
    return c.pii("PERSON", c.person(other_loc(c))[0], "feedback", "feedback")


# -------------------------------------------------------------------------- benign helpers
CAPS = ("Thanks", "Please", "Monday", "Urgent", "Update", "Friday", "Reminder", "Note", "Tomorrow")
WORD_NAMES = (
    "Will you",
    "in May",
    "Mark as read",
    "Bill to",
    "Grace period",
    "Hope this helps",
    "Amber alert",
    "Rose gold",
    "Chase Bank",
    "Summer sale",
    "Victoria Station",
    "Jack cable",
    "Frank feedback",
)
BRANDS = (
    "Ford Focus",
    "Tesla Model 3",
    "Lincoln Road Depot",
    "St. Mary's Hospital",
    "Disney+",
    "Dr. Martens",
    "Ben & Jerry's",
    "Calvin Klein",
    "McDonald's",
)


ST_MARYS = "St. Mary's Hospital"
BEN_JERRY = "Ben & Jerry's"


def greeting(c: Ctx, p: Who) -> list[dict]:
    """An opening exchange the gateway logs before the real question (sometimes)."""
    if c.rng.random() < 0.5:
        return []
    return [
        user(c.pick("hi", "hello?", "Hi there", lambda: f"hi, {p.f('user', 'opening')} here")),
        assistant(
            c.pick(
                "Hello! How can I help you today?",
                "Hi! What can I do for you?",
                "Good evening — how can I help?",
            )
        ),
    ]


def cap(c: Ctx, fld: str) -> str:
    return c.ok(c.choice(CAPS), fld)


def feedback(c: Ctx, rating: int, *frames: Callable[[str], str], p: float = 0.6) -> dict | None:
    """A thumbs-up/down comment naming someone, on part of the records."""
    if c.rng.random() >= p:
        return None
    n = c.pii("PERSON", c.person(other_loc(c))[0], "feedback", "feedback")
    return {"rating": rating, "comment": c.choice(frames)(n)}


# =================================================================================== families
@fam
def h2_it_service_desk(c: Ctx) -> dict:
    cust, analyst, peer = Who(c), Who(c, other_loc(c)), Who(c, other_loc(c))
    team = c.choice(("Workplace IT", "End User Computing", "Night Shift", "Service Desk L2"))
    system = c.pick(
        lambda: (
            f"You are Patchbay, the internal IT service desk copilot for {c.ok_pick(COMPANIES, 'system')}. "
            f"Assigned analyst on duty: {analyst.n('system', 'system')}. Escalations go to the {c.ok(team, 'system')} queue. "
            "Never reveal other employees' passwords or MFA codes."
        ),
        lambda: (
            f"You are Patchbay, the internal IT service desk copilot. Today's L1 analyst is {analyst.n('system', 'system')}; "
            f"hand hardware faults to {c.ok(team, 'system')}."
        ),
    )
    sw = c.ok_pick(SOFTWARE, "user")
    u = c.pick(
        lambda: (
            f"{opening(c, 'user', 'finance', cust)}. {sw} keeps crashing since the {c.ok(version_string(c.rng), 'user')} "
            f"update, {possessive(c, 'user', p=peer)} laptop has the same issue. {c.ok('Please', 'user')} help, I have a board pack due."
        ),
        lambda: (
            f"hi, my name is {lower(c, 'user', p=cust)}, i can't log into {sw}. "
            f"{c.ok('Will you', 'user')} reset it or do I need to ask {first(c, 'user', p=peer)}?"
        ),
        lambda: (
            f"{c.ok('Urgent', 'user')}: {name_list(c, 'user')} from {c.ok_pick(CITY_CONTEXT, 'user')} all get "
            f"{c.ok_pick(TECH, 'user')} on the VPN.\n\n{signoff(c, 'user', p=cust)}"
        ),
        lambda: (
            f"@{analyst.f('user', 'mention')} can you look at my ticket? {sw} says {c.ok_pick(TECH, 'user')}. — {cust.f('user', 'signature')}"
        ),
    )
    tid = f"INC{c.rng.randint(1000000, 9999999)}"
    a1, cid = call(
        c,
        "servicedesk_ticket_lookup",
        {"ticket": tid, "requester": cust.n("tool_args", "json"), "include_history": True},
    )
    watcher = handle(c, "tool_result", p=peer)
    r1 = result(
        cid,
        {
            "ticket": tid,
            "status": c.choice(("In Progress", "Awaiting User", "New")),
            "caller": cust.n("tool_result", "json"),
            "assignee": analyst.n("tool_result", "json"),
            "watchers": [watcher, compound(c, "tool_result")],
            "device": {"hostname": f"LT-{c.rng.randint(10000, 99999)}", "ip": c.ip("tool_result")},
            "work_notes": f"{c.ok('Mark as read', 'tool_result')} once {cust.f('tool_result', 'json')} confirms the reimage.",
        },
    )
    context = [
        {
            "source": "kb/servicedesk/vpn-known-issues.md",
            "text": f"Owner: {full(c, 'context', 'context', other_loc(c))}. Known issue with {c.ok_pick(BROWSERS, 'context')}; "
            f"workaround agreed with {titled(c, 'context')} on {c.ok(plain_date(c.rng), 'context')}.",
        }
    ]
    answer = c.pick(
        lambda: (
            f"Thanks {cust.f('assistant')}! Ticket {tid} is with {analyst.f('assistant')}, and "
            f"{c.pii('PERSON', watcher.lstrip('@'), 'assistant', 'mention')} is watching it. "
            f"{c.ok('Hope this helps', 'assistant')} for now — restart {sw} after signing out."
        ),
        lambda: (
            f"{c.ok('Please', 'assistant')} keep the laptop on the charger, {cust.f('assistant')}. "
            f"{possessive(c, 'assistant', p=analyst)} team will push the fix tonight."
        ),
    )
    return c.line(
        system=system,
        messages=[*greeting(c, cust), user(u), a1, r1],
        answer=answer,
        tools=[tool("servicedesk_ticket_lookup", "Fetch an IT incident with history", "ticket", "requester")],
        context=context,
        feedback=feedback(
            c,
            5,
            lambda n: f"{n} fixed it in 5 min, great",
            lambda n: f"bot useless, {n} on the phone sorted it",
        ),
        metadata={"analyst": meta_name(c), "queue": team, "channel": "teams"},
        tags=["itsm", "vpn"],
    )


@fam
def h2_mortgage_advice(c: Ctx) -> dict:
    cust, partner, broker = Who(c), Who(c), Who(c)
    system = c.pick(
        lambda: (
            f"HomeKey Lending mortgage advice assistant. The customer's mortgage adviser is {broker.n('system', 'system')}. "
            f"Explain products such as the {c.ok('Grace period', 'system')} option and the "
            f"{c.ok('Rate Switch 5Y Fixed', 'system')} plan; never promise approval."
        ),
        lambda: (
            f"HomeKey Lending mortgage advice assistant. Customer: {cust.n('system', 'system')} "
            f"(adviser {broker.n('system', 'system')}). Quote only the published {c.ok('Rate Switch 5Y Fixed', 'system')} rates."
        ),
    )
    u = c.pick(
        lambda: (
            f"{opening(c, 'user', 'the ' + c.pii('PERSON', cust.last, 'user', 'last') + ' household', cust)}. My partner {compound(c, 'user')} and I want to remortgage. "
            f"{c.ok('Monday', 'user')} is our deadline."
        ),
        lambda: (
            f"hello i am {lower(c, 'user', p=cust)} and my wife is {lower(c, 'user', whole=False, p=partner)}, "
            f"can we borrow 4.5x income? we bank with {c.ok('Chase Bank', 'user')}."
        ),
        lambda: (
            f"Hi {broker.f('user')}, is the offer for {possessive(c, 'user', p=partner)} flat still valid? "
            f"{c.ok('Thanks', 'user')}\n{signoff(c, 'user', p=cust)}"
        ),
        lambda: f"{nonlatin(c, 'user')}です。住宅ローンの借り換えについて相談したいです。",
    )
    app_id = f"MA-{c.rng.randint(100000, 999999)}"
    a1, cid = call(
        c,
        "fetch_mortgage_application",
        {"application_id": app_id, "primary_applicant": cust.n("tool_args", "json")},
    )
    r1 = result(
        cid,
        {
            "application_id": app_id,
            "applicants": [
                {"name": cust.n("tool_result", "json"), "dob": c.dob("tool_result")},
                {"name": partner.n("tool_result", "json"), "role": "joint"},
            ],
            "valuer": f"{titled(c, 'tool_result')} (Surveyors)",
            "underwriter_note": f"{c.ok('Bill to', 'tool_result')} broker account; {given(c, 'tool_result', 'json')} to chase payslips",
        },
    )
    context = [
        {
            "doc": "crm_note",
            "body": f"Call with {cust.n('context', 'context')} and {partner.f('context', 'context')}: wants "
            f"{c.ok('Offset Plus', 'context')}; employer is {c.ok_pick(COMPANIES, 'context')}. Logged by {handle(c, 'context', p=broker)}.",
        }
    ]
    answer = c.pick(
        lambda: (
            f"{c.ok('Please', 'assistant')} upload the last 3 payslips, {cust.f('assistant')}. "
            f"{broker.n('assistant', 'full')} will review {app_id} by {c.ok(plain_date(c.rng), 'assistant')}."
        ),
        lambda: (
            f"Good news: the valuation is in. {possessive(c, 'assistant', p=cust)} file shows the "
            f"{c.ok('Rate Switch 5Y Fixed', 'assistant')} is available. {c.ok('Hope this helps', 'assistant')}!"
        ),
    )
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=answer,
        tools=[
            tool(
                "fetch_mortgage_application",
                "Load an application file",
                "application_id",
                "primary_applicant",
            )
        ],
        context=context,
        feedback=feedback(
            c, 2, lambda n: f"adviser {n} never called back", lambda n: f"{n} explained the fees well", p=0.5
        ),
        metadata={"adviser_on_call": meta_name(c), "product_family": "remortgage"},
        user_id=handle(c, "user_id", at=False, p=cust) if c.rng.random() < 0.4 else None,
    )


@fam
def h2_hotel_concierge(c: Ctx) -> dict:
    guest, concierge = Who(c), Who(c, other_loc(c))
    system = c.pick(
        lambda: (
            f"Hotel Belvedere Lakeside concierge desk. Duty concierge tonight: {concierge.n('system', 'system')}. "
            f"Guests may book the {c.ok('Summer sale', 'system')} spa package and the {c.ok('Rose gold', 'system')} suite upgrade."
        ),
        lambda: (
            f"Hotel Belvedere Lakeside concierge desk. You assist in-house guests; the night manager is "
            f"{concierge.n('system', 'system')}. Restaurant partners include {c.ok('Le Jardin', 'system')} and {c.ok(BEN_JERRY, 'system')}."
        ),
    )
    room = c.rng.randint(101, 940)
    u = c.pick(
        lambda: (
            f"{opening(c, 'user', f'room {room}', guest)}. Could you book a table for {name_list(c, 'user')} tonight? "
            f"{c.ok('Friday', 'user')} works too."
        ),
        lambda: (
            f"good evening, reservation under {lower(c, 'user', p=guest)}, room {room}. we need a cab to "
            f"{c.ok('Victoria Station', 'user')} at 6."
        ),
        lambda: (
            f"Bonsoir! {titled(c, 'user')} arrives later with {possessive(c, 'user')} luggage.\n{signoff(c, 'user', p=guest)}"
        ),
        lambda: f"{nonlatin(c, 'user')}です。{c.ok_pick(NONLATIN_BENIGN, 'user')} room {room} needs towels",
    )
    a1, cid = call(
        c,
        "concierge_reservation_search",
        {"room": str(room), "guest_name": guest.n("tool_args", "json"), "nights": c.rng.randint(1, 6)},
    )
    r1 = result(
        cid,
        {
            "reservation": f"BLV-{c.rng.randint(10000, 99999)}",
            "guest_name": guest.n("tool_result", "json"),
            "gast_begleitung": compound(c, "tool_result"),
            "vip_notes": f"anniversary; prefers {c.ok(c.choice(BRANDS), 'tool_result')} near the lobby",
            "phone": c.phone("tool_result"),
            "booked_by": given(c, "tool_result", "json", other_loc(c)),
        },
    )
    context = [
        {
            "source": "guest_history",
            "text": f"Previous stay: {guest.n('context', 'context')} complained about noise; {nonlatin(c, 'context')} "
            f"(travel agent) requested late checkout. {c.ok('Note', 'context')}: {c.ok_pick(PRODUCTS, 'context')}.",
        }
    ]
    answer = c.pick(
        lambda: (
            f"Of course, {guest.f('assistant')}! The taxi is booked; {concierge.f('assistant')} will meet you in the lobby."
        ),
        lambda: (
            f"{c.ok('Thanks', 'assistant')} — I have reserved the table for {name_list(c, 'assistant', 2)}. "
            f"{c.ok('Will you', 'assistant')} need the {c.ok('Tesla Model 3', 'assistant')} shuttle too?"
        ),
        lambda: (
            f"Certainly, {titled(c, 'assistant', p=guest)}. Fresh towels are on their way to room {room}."
        ),
    )
    return c.line(
        system=system,
        messages=[*greeting(c, guest), user(u), a1, r1],
        answer=answer,
        tools=[tool("concierge_reservation_search", "Find a guest reservation", "room", "guest_name")],
        context=context,
        feedback=feedback(
            c,
            5,
            lambda n: f"ask for {n} at the bar, lovely",
            lambda n: f"{n} sorted the cab, thank you",
            p=0.5,
        ),
        metadata={"concierge_shift": "late", "supervisor": meta_name(c)},
        tags=["concierge", c.choice(("dining", "transport", "spa"))],
    )


@fam
def h2_ride_dispatch(c: Ctx) -> dict:
    rider, driver = Who(c), Who(c, other_loc(c))
    system = (
        f"CityHop Cabs dispatch assistant. Supervisor on shift: {full(c, 'system', 'system')}. "
        f"Depots: {c.ok('Lincoln Road Depot', 'system')} and the airport rank; never share a driver's home address."
    )
    u = c.pick(
        lambda: (
            f"{opening(c, 'user', 'CityHop', rider)}, my driver {driver.f('user')} is 20 min late, where is he??"
        ),
        lambda: (
            f"booked for {lower(c, 'user', p=rider)} pickup at {c.ok(c.choice(BRANDS), 'user')}, driver cancelled twice"
        ),
        lambda: (
            f"{c.ok('Urgent', 'user')} pls — left my {c.ok('Jack cable', 'user')} in the car. "
            f"It was {possessive(c, 'user', p=driver)} cab, plate ends 4K. {signoff(c, 'user', p=rider)}"
        ),
        lambda: f"Привет, это {nonlatin(c, 'user')}. need a car for {name_list(c, 'user', 2)} to the station",
    )
    trip = f"TRP-{c.rng.randint(1000000, 9999999)}"
    a1, cid = call(c, "dispatch_trip_status", {"trip_id": trip, "rider": rider.n("tool_args", "json")})
    r1 = result(
        cid,
        {
            "trip_id": trip,
            "driver": driver.n("tool_result", "json"),
            "fahrer_id": f"D{c.rng.randint(1000, 9999)}",
            "vehicle": c.ok(c.choice(("Ford Focus", "Tesla Model 3", "Toyota Prius")), "tool_result"),
            "eta_min": c.rng.randint(2, 25),
            "pickup": c.address("tool_result"),
            "dispatcher": handle(c, "tool_result", at=False),
        },
    )
    context = [
        {
            "type": "incident_log",
            "text": f"{c.ok('Amber alert', 'context')} route closure. {full(c, 'context', 'context')} reassigned "
            f"{titled(c, 'context')}'s fare to {compound(c, 'context')}.",
        }
    ]
    answer = c.pick(
        lambda: (
            f"Sorry about that, {rider.f('assistant')}! {driver.f('assistant')} is {c.rng.randint(2, 9)} minutes away in a "
            f"{c.ok('Ford Focus', 'assistant')}."
        ),
        lambda: (
            f"{c.ok('Please', 'assistant')} wait at the main entrance, {rider.f('assistant')}. "
            f"{driver.f('assistant')} has your lost-item report."
        ),
        lambda: (
            f"I've messaged {possessive(c, 'assistant', p=driver)} phone; the trip {trip} stays booked for {rider.n('assistant', 'full')}."
        ),
    )
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=answer,
        tools=[tool("dispatch_trip_status", "Live status of a trip", "trip_id", "rider")],
        context=context,
        feedback=feedback(c, 1, lambda n: f"driver {n} was rude", lambda n: f"{n} drove way too fast", p=0.5),
        metadata={"zone": c.choice(("north", "airport", "centre")), "dispatcher_name": meta_name(c)},
        user_id=f"rider:{handle(c, 'user_id', at=False, p=rider)}" if c.rng.random() < 0.3 else None,
    )


@fam
def h2_telecom_cancellation(c: Ctx) -> dict:
    holder, retention = Who(c), Who(c)
    system = (
        f"Volta Mobile contract cancellation assistant. Retention specialist: {retention.n('system', 'system')}. "
        f"Offer the {c.ok('Family Sharing', 'system')} discount before processing a cancellation; "
        f"notice periods follow the {c.ok('Grace period', 'system')} policy."
    )
    acct = f"VM{c.rng.randint(10000000, 99999999)}"
    u = c.pick(
        lambda: (
            f"I want to cancel. account {acct}, holder {lower(c, 'user', p=holder)}. {c.ok('Bill to', 'user')} my old address stopped."
        ),
        lambda: (
            f"{opening(c, 'user', 'account ' + acct, holder)}. My father {titled(c, 'user')} passed away and I need to end his contract."
        ),
        lambda: (
            f"{c.ok('Please', 'user')} cancel {possessive(c, 'user')} line and move {name_list(c, 'user', 2)} to prepaid.\n"
            f"{signoff(c, 'user', p=holder)}"
        ),
        lambda: (
            f"CANCELLATION REQUEST\nAccount holder: {upper(c, 'user', p=holder)}\nAccount: {acct}\nReason: moving abroad"
        ),
    )
    a1, cid = call(
        c, "get_telecom_contract", {"account_number": acct, "account_holder": holder.n("tool_args", "json")}
    )
    r1 = result(
        cid,
        {
            "account_number": acct,
            "inhaber": holder.n("tool_result", "json"),
            "lines": [
                {"msisdn": c.phone("tool_result"), "user": compound(c, "tool_result")},
                {"user": given(c, "tool_result", "json"), "plan": c.ok("Unlimited Max 5G", "tool_result")},
            ],
            "contract_end": c.ok(plain_date(c.rng), "tool_result"),
            "sales_agent": handle(c, "tool_result", at=False),
        },
    )
    context = [
        {
            "source": "crm_interactions",
            "text": f"{c.ok('Frank feedback', 'context')} from last call: {holder.f('context', 'context')} spoke with "
            f"{full(c, 'context', 'context')}, then with {nonlatin(c, 'context')} in {c.ok_pick(CITY_CONTEXT, 'context')}.",
        }
    ]
    answer = c.pick(
        lambda: (
            f"I'm sorry to hear that, {holder.f('assistant')}. {retention.f('assistant')} can waive the early termination fee."
        ),
        lambda: (
            f"{c.ok('Thanks', 'assistant')} for waiting. {possessive(c, 'assistant', p=holder)} line will close on the contract end "
            f"date; {c.ok('Will you', 'assistant')} keep the number?"
        ),
    )
    return c.line(
        system=system,
        messages=[*greeting(c, holder), user(u), a1, r1],
        answer=answer,
        tools=[
            tool(
                "get_telecom_contract", "Contract and lines of an account", "account_number", "account_holder"
            )
        ],
        context=context,
        feedback=feedback(
            c, 3, lambda n: f"{n} tried to upsell me three times", lambda n: f"thanks to {n} for the waiver"
        ),
        metadata={"retention_owner": meta_name(c), "reason": c.choice(("moving", "price", "bereavement"))},
    )


@fam
def h2_meeting_notes(c: Ctx) -> dict:
    owner = Who(c, other_loc(c))
    sp1, sp2, sp3 = (Who(c, other_loc(c)) for _ in range(3))
    system = (
        f"Quorum Notes summariser: turn the transcript into decisions and action items with owners. Workspace admin: "
        f"{owner.n('system', 'system')}. Keep product names such as {c.ok('Smart Reply', 'system')} unchanged."
    )
    transcript = (
        f"[00:01] {sp1.n('user', 'full')}: ok let's start, {sp2.f('user')} can you share the {c.ok('Summer sale', 'user')} numbers?\n"
        f"[00:03] {sp2.n('user', 'full')}: yes — {c.ok('Monday', 'user')} we hit target, thanks to {possessive(c, 'user')} campaign.\n"
        f"[00:07] {sp3.n('user', 'full')}: {c.ok('Will you', 'user')} loop in {handle(c, 'user')} about the "
        f"{c.ok_pick(PRODUCTS, 'user')} launch?\n"
        f"[00:09] {sp1.f('user')}: and {titled(c, 'user')} from legal wants a review {c.ok('in May', 'user')}."
    )
    u = c.pick(
        lambda: f"Summarise this standup please:\n{transcript}",
        lambda: f"{lower(c, 'user', whole=False, p=owner)} here, notes from today's sync:\n{transcript}",
        lambda: f"{transcript}\n\n{c.ok('Action items', 'user')} only pls. {signoff(c, 'user', p=sp1)}",
    )
    a1, cid = call(
        c,
        "minutes_create_action_items",
        {
            "meeting": f"Weekly GTM sync {c.ok(plain_date(c.rng), 'tool_args')}",
            "items": [
                {"owner": sp2.f("tool_args", "json"), "task": "send numbers"},
                {"verantwoordelijke": sp3.n("tool_args", "json"), "task": "legal review"},
            ],
        },
    )
    r1 = result(
        cid,
        {
            "created": 2,
            "created_by": compound(c, "tool_result"),
            "notify": [c.email("tool_result", sp2.first, sp2.last)],
        },
    )
    context = [
        {
            "source": "calendar",
            "text": f"Attendees: {name_list(c, 'context', 3)}; organiser {sp1.n('context', 'context')}; optional: {nonlatin(c, 'context')}.",
        }
    ]
    answer = (
        f"**Decisions**\n- Launch stays on track.\n**Action items**\n- {sp2.f('assistant')}: send numbers\n"
        f"- {sp3.f('assistant')}: brief {c.ok('Customer Success', 'assistant')}\n"
        f"{c.ok('Note', 'assistant')}: {possessive(c, 'assistant', p=sp1)} review is pending."
    )
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=answer,
        tools=[tool("minutes_create_action_items", "Create action items from a meeting", "meeting", "items")],
        context=context,
        feedback=feedback(
            c, 4, lambda n: f"missed that {n} owns the deck", lambda n: f"it called {n} the PM, she's design"
        ),
        metadata={"recording_owner": meta_name(c), "duration_min": c.rng.randint(10, 60)},
    )


@fam
def h2_legal_intake(c: Ctx) -> dict:
    client, sol = Who(c), Who(c)
    solicitor = f"{c.choice(('Ms', 'Mr', 'Maître', 'Avv.'))} {sol.n('system', 'system')}"
    system = (
        f"Harrow & Finch LLP legal intake form assistant. Collect the facts of the matter, the parties and deadlines. "
        f"Supervising solicitor: {solicitor}. Do not give legal advice."
    )
    u = c.pick(
        lambda: (
            f"{opening(c, 'user', 'the tenancy dispute', client)}. My landlord {compound(c, 'user')} kept the deposit. "
            f"{c.ok('Please', 'user')} advise what to upload."
        ),
        lambda: (
            f"name: {lower(c, 'user', p=client)}\nother party: {lower(c, 'user')}\nissue: unpaid invoices, {c.ok('Bill to', 'user')} address wrong"
        ),
        lambda: (
            f"I was hit by a {c.ok('Ford Focus', 'user')} outside {c.ok(ST_MARYS, 'user')}. Witnesses: {name_list(c, 'user')}.\n"
            f"{signoff(c, 'user', p=client)}"
        ),
        lambda: (
            f"FULL NAME: {upper(c, 'user', p=client)}\nMATTER: employment\nDETAILS: dismissed after complaining about {titled(c, 'user')}"
        ),
    )
    a1, cid = call(
        c,
        "legal_intake_submit",
        {
            "client": client.n("tool_args", "json"),
            "opposing_party": compound(c, "tool_args"),
            "matter_type": c.choice(("tenancy", "employment", "personal injury", "debt")),
            "contact_email": c.email("tool_args", client.first, client.last),
        },
    )
    r1 = result(
        cid,
        {
            "matter_id": f"HF-{c.rng.randint(2020, 2026)}-{c.rng.randint(1000, 9999)}",
            "conflict_check": {"clear": True, "checked_by": full(c, "tool_result", "json")},
            "mandant": client.n("tool_result", "json"),
            "assigned_paralegal": handle(c, "tool_result", at=False),
        },
    )
    context = [
        {
            "source": "email_thread",
            "text": f"From: {full(c, 'context', 'context')}\nTo: intake\n{c.ok('Reminder', 'context')}: {titled(c, 'context')} "
            f"must file by {c.ok(plain_date(c.rng), 'context')}.\n{signoff(c, 'context')}",
        }
    ]
    answer = c.pick(
        lambda: (
            f"Thank you, {client.f('assistant')}. I've opened the matter; {solicitor.split()[0]} {c.pii('PERSON', sol.last, 'assistant', 'title')} will review the conflict check."
        ),
        lambda: (
            f"{c.ok('Thanks', 'assistant')} — I've noted {possessive(c, 'assistant', p=client)} statement. "
            f"{c.ok('Hope this helps', 'assistant')}; a paralegal will call you."
        ),
    )
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=answer,
        tools=[
            tool("legal_intake_submit", "Open a new matter from an intake form", "client", "opposing_party")
        ],
        context=context,
        feedback=feedback(
            c,
            4,
            lambda n: f"form was clear, {n} followed up fast",
            lambda n: f"{n} never rang me back",
            p=0.5,
        ),
        metadata={"intake_reviewer": meta_name(c), "practice_area": "litigation"},
    )


@fam
def h2_pharmacy_refill(c: Ctx) -> dict:
    patient, pharmacist, doctor = Who(c), Who(c), Who(c)
    system = (
        f"GreenCross Pharmacy prescription refill assistant. Pharmacist in charge: {pharmacist.n('system', 'system')}. "
        f"Confirm patient identity with date of birth; controlled drugs need the {c.ok('Pharmacist Review', 'system')} step."
    )
    u = c.pick(
        lambda: (
            f"{opening(c, 'user', 'GreenCross', patient)}, I need a refill of my inhaler, prescribed by {titled(c, 'user', p=doctor)}."
        ),
        lambda: (
            f"refill for my mum {lower(c, 'user', p=patient)} please, dob {c.dob('user')}. {c.ok('Thanks', 'user')}"
        ),
        lambda: (
            f"Hi! Can you refill {possessive(c, 'user')} and {possessive(c, 'user')} meds? {c.ok('Friday', 'user')} pickup.\n"
            f"{signoff(c, 'user', p=patient)}"
        ),
        lambda: f"{nonlatin(c, 'user')} — 処方箋の再発行をお願いします。{c.ok_pick(NONLATIN_BENIGN, 'user')}",
    )
    rx = f"RX{c.rng.randint(1000000, 9999999)}"
    a1, cid = call(c, "pharmacy_refill_request", {"rx_number": rx, "patient": patient.n("tool_args", "json")})
    r1 = result(
        cid,
        {
            "rx_number": rx,
            "patient": patient.n("tool_result", "json"),
            "prescriber": f"Dr {doctor.n('tool_result', 'json')}",
            "paciente_contacto": compound(c, "tool_result"),
            "refills_left": c.rng.randint(0, 5),
            "pickup_store": c.ok(
                c.choice(("Lincoln Road Depot", "Victoria Station", "Market Square")), "tool_result"
            ),
        },
    )
    context = [
        {
            "source": "patient_notes",
            "text": f"Allergy noted by {full(c, 'context', 'context')}; carers {name_list(c, 'context', 2)} may collect for "
            f"{patient.f('context', 'context')}. Last refill {c.ok(plain_date(c.rng), 'context')}.",
        }
    ]
    answer = c.pick(
        lambda: (
            f"All set, {patient.f('assistant')}! {pharmacist.f('assistant')} approved the refill; it'll be ready "
            f"{c.ok('Friday', 'assistant')}."
        ),
        lambda: (
            f"{c.ok('Please', 'assistant')} note {possessive(c, 'assistant', p=patient)} prescription needs a new authorisation from "
            f"{titled(c, 'assistant', p=doctor)}. {c.ok('Hope this helps', 'assistant')}."
        ),
    )
    return c.line(
        system=system,
        messages=[*greeting(c, patient), user(u), a1, r1],
        answer=answer,
        tools=[tool("pharmacy_refill_request", "Request a repeat prescription", "rx_number", "patient")],
        context=context,
        feedback=feedback(
            c, 5, lambda n: f"{n} at the counter was very kind", lambda n: f"{n} gave me the wrong dose!!"
        ),
        metadata={"pharmacist_on_duty": meta_name(c), "store": f"GC-{c.rng.randint(100, 999)}"},
    )


@fam
def h2_game_moderation(c: Ctx) -> dict:
    lead, reporter, offender = Who(c, other_loc(c)), Who(c), Who(c, other_loc(c))
    system = (
        f"Shardfall Online moderation triage bot for the player-report queue. Lead moderator: {lead.n('system', 'system')}. "
        f"Classify reports (cheating, harassment, spam); the {c.ok('Night Shift', 'system')} team handles appeals."
    )
    reported = handle(c, "user", p=offender)
    u = c.pick(
        lambda: (
            f"reporting {reported} for wallhacks in ranked, my friend {lower(c, 'user', whole=False)} saw it too"
        ),
        lambda: (
            f"{opening(c, 'user', 'guild Ironveil', reporter)}. {reported} keeps spamming {c.ok('Summer sale', 'user')} "
            f"scam links. {c.ok('Mark as read', 'user')} doesn't hide them."
        ),
        lambda: (
            f"{reported} harassed {name_list(c, 'user', 2)} in voice chat. {c.ok('Will you', 'user')} ban them?\n"
            f"{signoff(c, 'user', p=reporter)}"
        ),
        lambda: f"{nonlatin(c, 'user')} 님이 욕설을 했어요. also {reported}",
    )
    rep = f"RPT-{c.rng.randint(100000, 999999)}"
    a1, cid = call(
        c,
        "moderation_report_fetch",
        {
            "report_id": rep,
            "reported_player": c.pii("PERSON", reported.lstrip("@"), "tool_args", "mention"),
            "reporter_real_name": reporter.n("tool_args", "json"),
        },
    )
    r1 = result(
        cid,
        {
            "report_id": rep,
            "prior_strikes": c.rng.randint(0, 4),
            "account_owner": offender.n("tool_result", "json"),
            "linked_accounts": [handle(c, "tool_result", at=False), compound(c, "tool_result")],
            "last_ip": c.ip("tool_result"),
            "reviewed_by": lead.f("tool_result", "json"),
        },
    )
    context = [
        {
            "source": "mod_wiki",
            "text": f"Escalation path: {full(c, 'context', 'context')} → {titled(c, 'context')} (legal). "
            f"{c.ok('Amber alert', 'context')} for self-harm mentions.",
        }
    ]
    answer = c.pick(
        lambda: (
            f"Thanks {reporter.f('assistant')}, report {rep} is queued as cheating. {possessive(c, 'assistant', p=reporter)} clip helps."
        ),
        lambda: (
            f"{c.ok('Update', 'assistant')}: @{c.pii('PERSON', reported.lstrip('@'), 'assistant', 'mention')} is muted for 24h "
            f"pending review by {lead.f('assistant')}."
        ),
    )
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=answer,
        tools=[tool("moderation_report_fetch", "Load a player report", "report_id", "reported_player")],
        context=context,
        feedback=feedback(
            c, 2, lambda n: f"mod {n} ignored my report", lambda n: f"{n} banned the wrong guy", p=0.5
        ),
        metadata={"moderator": meta_name(c), "game_region": c.choice(("EUW", "NA", "SEA"))},
        tags=["moderation", c.ok(c.choice(("Frank feedback", "Hot Fix")), "tags")],
    )


@fam
def h2_insurance_claims(c: Ctx) -> dict:
    holder, adjuster, other = Who(c), Who(c), Who(c)
    system = (
        f"Meridian Mutual claims handling assistant. Assigned loss adjuster: {adjuster.n('system', 'system')}. "
        f"Policy wording for {c.ok('Accidental Damage Cover', 'system')} applies; flag possible fraud."
    )
    veh = c.choice(("Ford Focus", "Tesla Model 3", "Harley-Davidson"))
    u = c.pick(
        lambda: (
            f"{opening(c, 'user', 'policy holder services', holder)}. My {c.ok('Tesla Model 3', 'user')} was hit by "
            f"{compound(c, 'user')}."
        ),
        lambda: (
            f"claim for water damage, policy holder {lower(c, 'user', p=holder)}, witness {lower(c, 'user')}"
        ),
        lambda: (
            f"Hello {adjuster.f('user')}, attached photos of {possessive(c, 'user', p=other)} kitchen. "
            f"{c.ok('Urgent', 'user')}\n{signoff(c, 'user', p=holder)}"
        ),
    )
    claim = f"CLM-{c.rng.randint(10000000, 99999999)}"
    a1, cid = call(c, "claims_file_open", {"claim_no": claim, "policyholder": holder.n("tool_args", "json")})
    r1 = result(
        cid,
        {
            "claim_no": claim,
            "policyholder": holder.n("tool_result", "json"),
            "third_party": {"name": compound(c, "tool_result"), "vehicle": c.ok(veh, "tool_result")},
            "witnesses": [given(c, "tool_result", "json"), other.n("tool_result", "json")],
            "payout_iban": c.iban("tool_result"),
        },
    )
    context = [
        {
            "source": "claim_notes",
            "text": f"Site visit by {titled(c, 'context', p=adjuster)}; {other.n('context', 'context')} disputes liability. "
            f"{c.ok('Grace period', 'context')} for documents ends {c.ok(plain_date(c.rng), 'context')}.",
        }
    ]
    answer = c.pick(
        lambda: (
            f"Thanks {holder.f('assistant')}, claim {claim} is open and {adjuster.n('assistant', 'full')} will call within 48h."
        ),
        lambda: (
            f"{c.ok('Please', 'assistant')} send the repair quote for {possessive(c, 'assistant', p=holder)} car. "
            f"{c.ok('Hope this helps', 'assistant')}."
        ),
    )
    return c.line(
        system=system,
        messages=[*greeting(c, holder), user(u), a1, r1],
        answer=answer,
        tools=[tool("claims_file_open", "Open or load a claim file", "claim_no", "policyholder")],
        context=context,
        feedback=feedback(
            c, 1, lambda n: f"{n} lost my photos twice", lambda n: f"{n} was fair about the excess", p=0.5
        ),
        metadata={"adjuster_backup": meta_name(c), "line_of_business": "motor"},
    )


@fam
def h2_admissions_office(c: Ctx) -> dict:
    applicant, officer, referee = Who(c), Who(c, other_loc(c)), Who(c)
    system = (
        f"Northgate University admissions office assistant. Admissions officer for this region: {officer.n('system', 'system')}. "
        f"Answer questions on the {c.ok('Early Decision', 'system')} round and the {c.ok('Dean’s List', 'system')} scholarship."
    )
    u = c.pick(
        lambda: (
            f"{opening(c, 'user', 'the Bristol sixth form', applicant)}. My referee {titled(c, 'user', p=referee)} hasn't received the link."
        ),
        lambda: (
            f"hi im {lower(c, 'user', p=applicant)}, applying for MSc Data Science. {c.ok('Will you', 'user')} accept IELTS "
            f"taken {c.ok('in May', 'user')}?"
        ),
        lambda: (
            f"{c.ok('Dear Admissions', 'user')}, I'm writing on behalf of my daughter {compound(c, 'user')}.\n{signoff(c, 'user')}"
        ),
        lambda: f"{nonlatin(c, 'user')}です。出願書類について質問があります。",
    )
    app = f"NGU-{c.rng.randint(2026000, 2026999)}"
    a1, cid = call(
        c,
        "admissions_applicant_record",
        {"applicant_id": app, "applicant_name": applicant.n("tool_args", "json")},
    )
    r1 = result(
        cid,
        {
            "applicant_id": app,
            "nom_etudiant": applicant.n("tool_result", "json"),
            "referees": [{"name": referee.n("tool_result", "json")}, {"name": compound(c, "tool_result")}],
            "interviewer": handle(c, "tool_result", at=False),
            "date_of_birth": c.dob("tool_result"),
        },
    )
    context = [
        {
            "source": "email_thread",
            "text": f"> On {c.ok(plain_date(c.rng), 'context')}, {referee.n('context', 'context')} wrote:\n"
            f"> {c.ok('Please', 'context')} forward {possessive(c, 'context', p=applicant)} transcript to {name_list(c, 'context', 2)}.",
        }
    ]
    answer = c.pick(
        lambda: (
            f"Hi {applicant.f('assistant')}! The reference portal link was resent to {referee.n('assistant', 'full')}; "
            f"{officer.f('assistant')} will confirm receipt."
        ),
        lambda: (
            f"{c.ok('Thanks', 'assistant')} for applying. {possessive(c, 'assistant', p=referee)} reference is still outstanding."
        ),
    )
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=answer,
        tools=[
            tool(
                "admissions_applicant_record",
                "Applicant record with referees",
                "applicant_id",
                "applicant_name",
            )
        ],
        context=context,
        feedback=feedback(
            c,
            5,
            lambda n: f"{n} from admissions was super helpful",
            lambda n: f"waited 3 weeks for {n} to reply",
        ),
        metadata={"officer_backup": meta_name(c), "intake": "2027"},
    )


@fam
def h2_home_repair(c: Ctx) -> dict:
    owner, coordinator, tech = Who(c), Who(c), Who(c, other_loc(c))
    system = (
        f"FixRight Home Repairs booking assistant. Scheduling coordinator: {coordinator.n('system', 'system')}. "
        f"Trades: plumbing, electrics, roofing; the {c.ok('Priority Support', 'system')} plan gets same-day slots."
    )
    u = c.pick(
        lambda: (
            f"{opening(c, 'user', 'flat 3', owner)}, the boiler's leaking again. {possessive(c, 'user', p=tech)} visit last week "
            "didn't fix it."
        ),
        lambda: (
            f"need an electrician, ask for {lower(c, 'user', whole=False, p=tech)} he did our kitchen. {c.ok('Bill to', 'user')} "
            f"my landlord {compound(c, 'user')}."
        ),
        lambda: (
            f"{c.ok('Monday', 'user')} morning ok? The site contact is {titled(c, 'user')}, key with {name_list(c, 'user', 2)}.\n"
            f"{signoff(c, 'user', p=owner)}"
        ),
    )
    job = f"JOB-{c.rng.randint(100000, 999999)}"
    a1, cid = call(
        c,
        "book_repair_visit",
        {"job_ref": job, "homeowner": owner.n("tool_args", "json"), "site_address": c.address("tool_args")},
    )
    r1 = result(
        cid,
        {
            "job_ref": job,
            "slot": f"{c.ok(plain_date(c.rng), 'tool_result')} 08:00-12:00",
            "technician": tech.n("tool_result", "json"),
            "monteur": given(c, "tool_result", "json", "de_DE"),
            "invoice_ref": c.ok(order_ref(c.rng), "tool_result"),
            "materials": c.ok(
                c.choice(("Jack cable", "Rose gold tap", "Worcester Bosch valve")), "tool_result"
            ),
        },
    )
    context = [
        {
            "source": "job_history",
            "text": f"{job}: previous visit by {tech.n('context', 'context')} ({handle(c, 'context', p=tech)}); "
            f"customer {nonlatin(c, 'context')} asked for a quote.",
        }
    ]
    answer = c.pick(
        lambda: (
            f"Booked, {owner.f('assistant')}! {coordinator.f('assistant')} will text you {possessive(c, 'assistant', p=tech)} ETA."
        ),
        lambda: (
            f"{c.ok('Thanks', 'assistant')} — {tech.f('assistant')} is booked; {c.ok('Please', 'assistant')} clear access to the boiler."
        ),
    )
    return c.line(
        system=system,
        messages=[*greeting(c, owner), user(u), a1, r1],
        answer=answer,
        tools=[
            tool("book_repair_visit", "Book a tradesperson visit", "job_ref", "homeowner", "site_address")
        ],
        context=context,
        feedback=feedback(c, 4, lambda n: f"{n} was on time and tidy", lambda n: f"{n} left mud everywhere"),
        metadata={"coordinator_cover": meta_name(c), "trade": c.choice(("plumbing", "electrics", "roofing"))},
    )
