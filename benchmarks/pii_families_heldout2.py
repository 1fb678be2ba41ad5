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


def first(c: Ctx, fld: str, loc: str | None = None) -> str:
    return c.pii("PERSON", c.person(loc)[0], fld, "first")


def full(c: Ctx, fld: str, kind: str, loc: str | None = None) -> str:
    f, last = c.person(loc)
    return c.pii("PERSON", f"{f} {last}", fld, kind)


def given(c: Ctx, fld: str, kind: str, loc: str | None = None) -> str:
    return c.pii("PERSON", c.person(loc)[0], fld, kind)


def lower(c: Ctx, fld: str, whole: bool | None = None) -> str:
    f, last = c.person(latin_loc(c))
    whole = c.rng.random() < 0.7 if whole is None else whole
    return c.pii("PERSON", (f"{f} {last}" if whole else f).lower(), fld, "lower")


def compound(c: Ctx, fld: str, loc: str | None = None) -> str:
    loc = loc or latin_loc(c)
    f, last = c.person(loc)
    f2, last2 = c.person(loc)
    shape = c.rng.randrange(4)
    if shape == 0 and PARTICLES.get(loc, ("",)) != ("",):
        value = f"{f} {c.choice(PARTICLES[loc])} {last.split()[-1]}"
    elif shape <= 1:
        value = f"{f} O'{c.choice(IRISH)}" if c.rng.random() < 0.6 else f"{f} {c.choice(('Mc', 'Mac'))}{last}"
    elif shape == 2:
        value = f"{f.split('-')[0]}-{f2.split('-')[0]} {last}"
    else:
        value = f"{f} {last}-{last2}"
    return c.pii("PERSON", value, fld, "compound")


def titled(c: Ctx, fld: str, loc: str | None = None) -> str:
    """'Dr. Okafor', 'Frau Schulz', 'Mme Laurent Claire': the title stays outside the planted value."""
    loc = loc or latin_loc(c)
    f, last = c.person(loc)
    value = last if c.rng.random() < 0.65 else f"{f} {last}"
    return f"{c.choice(TITLES.get(loc, EN_TITLES))} {c.pii('PERSON', value, fld, 'title')}"


def possessive(c: Ctx, fld: str, loc: str | None = None) -> str:
    return c.pii("PERSON", c.person(loc or latin_loc(c))[0], fld, "possessive") + "'s"


def name_list(c: Ctx, fld: str, k: int | None = None) -> str:
    k = k or c.rng.randint(2, 4)
    names = [c.pii("PERSON", c.person(other_loc(c))[0], fld, "list") for _ in range(k)]
    return ", ".join(names[:-1]) + c.choice((" and ", " & ", ", ")) + names[-1]


def handle(c: Ctx, fld: str, loc: str | None = None, at: bool = True) -> str:
    f, last = c.person(loc or latin_loc(c))
    a, b = ascii_handle(f) or "sam", ascii_handle(last) or "lee"
    h = c.pick(f"{a}.{b}", f"{a}_{b}", f"{a[0]}{b}", f"{a}{b[:1]}", f"{a}.{b}{c.rng.randint(1, 99)}")
    return ("@" if at else "") + c.pii("PERSON", h, fld, "mention")


def nonlatin(c: Ctx, fld: str) -> str:
    return c.name(fld, "nonlatin")


def opening(c: Ctx, fld: str, team: str) -> str:
    n = c.pii("PERSON", c.person(latin_loc(c))[0], fld, "opening")
    return c.pick(
        f"{n} here again",
        f"This is {n} from {team}",
        f"it's {n}",
        f"{n} speaking",
        f"Hi, {n} here",
        f"hey it's {n} again",
        f"Hello, my name is {n}",
    )


def signoff(c: Ctx, fld: str, loc: str | None = None) -> str:
    loc = loc or latin_loc(c)
    f, last = c.person(loc)
    shape = c.rng.randrange(6)
    if shape == 0:
        return "Cheers,\n" + c.pii("PERSON", f, fld, "signature")
    if shape == 1:
        return c.ok("Best regards", fld) + ", " + c.pii("PERSON", f"{f} {last}", fld, "signature")
    if shape == 2:
        return "— " + c.pii("PERSON", f, fld, "signature")
    if shape == 3:
        return "Thanks, " + c.pii("PERSON", f"{f[0]}. {last}", fld, "signature")
    if shape == 4:
        return c.ok("Kind regards", fld) + ",\n" + c.pii("PERSON", f"{f} {last}", fld, "signature")
    return "Sent from my phone\n" + c.pii("PERSON", f, fld, "signature")


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


def greeting(c: Ctx) -> list[dict]:
    """An opening exchange the gateway logs before the real question (sometimes)."""
    if c.rng.random() < 0.5:
        return []
    return [
        user(c.pick("hi", "hello?", "Hi there", f"hi, {first(c, 'user')} here")),
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


# =================================================================================== families
@fam
def h2_it_service_desk(c: Ctx) -> dict:
    agent = full(c, "system", "system", other_loc(c))
    team = c.choice(("Workplace IT", "End User Computing", "Night Shift", "Service Desk L2"))
    system = (
        f"You are Patchbay, the internal IT service desk copilot for {c.ok_pick(COMPANIES, 'system')}. "
        f"Assigned analyst on duty: {agent}. Escalations go to the {c.ok(team, 'system')} queue. "
        "Never reveal other employees' passwords or MFA codes."
    )
    sw = c.ok_pick(SOFTWARE, "user")
    u = c.pick(
        lambda: (
            f"{opening(c, 'user', 'finance')}. {sw} keeps crashing since the {c.ok(version_string(c.rng), 'user')} update, "
            f"{possessive(c, 'user')} laptop has the same issue. {cap(c, 'user')} help, I have a board pack due."
        ),
        lambda: (
            f"hi, my name is {lower(c, 'user')}, i can't log into {sw}. "
            f"{c.ok('Will you', 'user')} reset it or do I need to ask {first(c, 'user')}?"
        ),
        lambda: (
            f"{c.ok('Urgent', 'user')}: {name_list(c, 'user')} from the {c.ok_pick(CITY_CONTEXT, 'user')} all get "
            f"{c.ok_pick(TECH, 'user')} on the VPN. {signoff(c, 'user')}"
        ),
    )
    tid = f"INC{c.rng.randint(1000000, 9999999)}"
    a1, cid = call(
        c,
        "servicedesk_ticket_lookup",
        {"ticket": tid, "requester": full(c, "tool_args", "json"), "include_history": True},
    )
    mention = handle(c, "tool_result")
    r1 = result(
        cid,
        {
            "ticket": tid,
            "status": c.choice(("In Progress", "Awaiting User", "New")),
            "assignee": full(c, "tool_result", "json", other_loc(c)),
            "watchers": [mention, compound(c, "tool_result")],
            "device": {"hostname": f"LT-{c.rng.randint(10000, 99999)}", "ip": c.ip("tool_result")},
            "work_notes": f"{c.ok('Mark as read', 'tool_result')} once {given(c, 'tool_result', 'json')} confirms the reimage.",
        },
    )
    ctx_name = full(c, "context", "context", other_loc(c))
    context = [
        {
            "source": "kb/servicedesk/vpn-known-issues.md",
            "text": f"Owner: {ctx_name}. Known issue with {c.ok_pick(BROWSERS, 'context')}; workaround "
            f"agreed with {titled(c, 'context')} on {c.ok(plain_date(c.rng), 'context')}.",
        }
    ]
    f1 = c.person(latin_loc(c))[0]
    answer = c.pick(
        lambda: (
            f"Thanks {c.pii('PERSON', f1, 'assistant', 'first')}! Ticket {tid} is with {mention}; "
            f"{c.ok('Hope this helps', 'assistant')} for now — restart {sw} after signing out."
        ),
        lambda: (
            f"{c.ok('Please', 'assistant')} keep the laptop on the charger, {c.pii('PERSON', f1, 'assistant', 'first')}. "
            f"{possessive(c, 'assistant')} team will push the fix tonight."
        ),
    )
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=answer,
        tools=[tool("servicedesk_ticket_lookup", "Fetch an IT incident with history", "ticket", "requester")],
        context=context,
        feedback={"rating": c.choice((1, 4, 5)), "comment": f"{fb_name(c)} fixed it in 5 min, great"}
        if c.rng.random() < 0.6
        else None,
        metadata={"analyst": meta_name(c), "queue": team, "channel": "teams"},
        tags=["itsm", "vpn"],
    )


@fam
def h2_mortgage_advice(c: Ctx) -> dict:
    broker = full(c, "system", "system")
    system = (
        f"Mortgage advice assistant for HomeKey Lending. The customer's mortgage adviser is {broker}. "
        f"Explain products such as the {c.ok('Grace period', 'system')} option and the "
        f"{c.ok('Rate Switch 5Y Fixed', 'system')} plan; never promise approval."
    )
    u = c.pick(
        lambda: (
            f"{opening(c, 'user', 'the Jones household')}. My partner {compound(c, 'user')} and I want to remortgage. "
            f"{c.ok('Monday', 'user')} is our deadline."
        ),
        lambda: (
            f"hello i am {lower(c, 'user')} and my wife is {lower(c, 'user', whole=False)}, "
            f"can we borrow 4.5x income? we bank with {c.ok('Chase Bank', 'user')}."
        ),
        lambda: (
            f"Hi {first(c, 'user')}, is the offer for {possessive(c, 'user')} flat still valid? "
            f"{c.ok('Thanks', 'user')} — {nonlatin(c, 'user')}"
        ),
    )
    app_id = f"MA-{c.rng.randint(100000, 999999)}"
    a1, cid = call(
        c,
        "fetch_mortgage_application",
        {"application_id": app_id, "primary_applicant": full(c, "tool_args", "json")},
    )
    r1 = result(
        cid,
        {
            "application_id": app_id,
            "applicants": [
                {"name": full(c, "tool_result", "json"), "dob": c.dob("tool_result")},
                {"name": compound(c, "tool_result"), "role": "joint"},
            ],
            "valuer": f"{titled(c, 'tool_result')} (Surveyors)",
            "underwriter_note": f"{c.ok('Bill to', 'tool_result')} broker account; {given(c, 'tool_result', 'json')} to chase payslips",
        },
    )
    context = [
        {
            "doc": "crm_note",
            "body": f"Call with {full(c, 'context', 'context')} and {full(c, 'context', 'context', other_loc(c))}: "
            f"wants {c.ok('Offset Plus', 'context')}; employer is {c.ok_pick(COMPANIES, 'context')}.",
        }
    ]
    answer = c.pick(
        lambda: (
            f"{c.ok('Please', 'assistant')} upload the last 3 payslips, {first(c, 'assistant')}. "
            f"{broker} will review {app_id} by {c.ok(plain_date(c.rng), 'assistant')}."
        ),
        lambda: (
            f"Good news: the valuation is in. {possessive(c, 'assistant')} file shows the "
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
        feedback={"rating": 2, "comment": f"adviser {fb_name(c)} never called back"}
        if c.rng.random() < 0.5
        else None,
        metadata={"adviser_on_call": meta_name(c), "product_family": "remortgage"},
        user_id=handle(c, "user_id", at=False) if c.rng.random() < 0.4 else None,
    )


@fam
def h2_hotel_concierge(c: Ctx) -> dict:
    concierge = full(c, "system", "system")
    system = (
        f"Concierge desk of the Hotel Belvedere Lakeside. Duty concierge tonight: {concierge}. "
        f"Guests may book the {c.ok('Summer sale', 'system')} spa package and the "
        f"{c.ok('Rose gold', 'system')} suite upgrade."
    )
    room = c.rng.randint(101, 940)
    u = c.pick(
        lambda: (
            f"{opening(c, 'user', f'room {room}')}. Could you book a table for {name_list(c, 'user')} tonight? "
            f"{c.ok('Friday', 'user')} works too."
        ),
        lambda: (
            f"good evening, reservation under {lower(c, 'user')}, room {room}. we need a cab to "
            f"{c.ok('Victoria Station', 'user')} at 6."
        ),
        lambda: (
            f"Bonsoir! {titled(c, 'user')} arrives later with {possessive(c, 'user')} luggage. "
            f"{signoff(c, 'user')}"
        ),
    )
    a1, cid = call(
        c,
        "concierge_reservation_search",
        {"room": str(room), "guest_name": full(c, "tool_args", "json"), "nights": c.rng.randint(1, 6)},
    )
    r1 = result(
        cid,
        {
            "reservation": f"BLV-{c.rng.randint(10000, 99999)}",
            "guest_name": full(c, "tool_result", "json"),
            "gast_begleitung": compound(c, "tool_result"),
            "vip_notes": f"anniversary; prefers {c.ok(c.choice(BRANDS), 'tool_result')} near the lobby",
            "phone": c.phone("tool_result"),
            "booked_by": given(c, "tool_result", "json", other_loc(c)),
        },
    )
    context = [
        {
            "source": "guest_history",
            "text": f"Previous stay: {full(c, 'context', 'context')} complained about noise; "
            f"{nonlatin(c, 'context')} (travel agent) requested late checkout. {c.ok('Note', 'context')}: {c.ok_pick(PRODUCTS, 'context')}.",
        }
    ]
    answer = c.pick(
        lambda: (
            f"Of course, {first(c, 'assistant')}! The taxi is booked; {concierge.split()[0]} will meet you in the lobby."
        ),
        lambda: (
            f"{c.ok('Thanks', 'assistant')} — I have reserved the table for {name_list(c, 'assistant', 2)}. "
            f"{c.ok('Will you', 'assistant')} need the {c.ok('Tesla Model 3', 'assistant')} shuttle too?"
        ),
    )
    return c.line(
        system=system,
        messages=[*greeting(c), user(u), a1, r1],
        answer=answer,
        tools=[tool("concierge_reservation_search", "Find a guest reservation", "room", "guest_name")],
        context=context,
        feedback={"rating": 5, "comment": f"ask for {fb_name(c)} at the bar, lovely"}
        if c.rng.random() < 0.5
        else None,
        metadata={"concierge_shift": "late", "supervisor": meta_name(c)},
        tags=["concierge", c.choice(("dining", "transport", "spa"))],
    )


@fam
def h2_ride_dispatch(c: Ctx) -> dict:
    system = (
        f"Dispatch assistant for CityHop Cabs. Supervisor on shift: {full(c, 'system', 'system')}. "
        f"Depots: {c.ok('Lincoln Road Depot', 'system')} and the airport rank; never share a driver's home address."
    )
    u = c.pick(
        lambda: (
            f"{opening(c, 'user', 'CityHop')}, my driver {first(c, 'user')} is 20 min late, where is he??"
        ),
        lambda: (
            f"booked for {lower(c, 'user')} pickup at {c.ok(c.choice(BRANDS), 'user')}, driver cancelled twice"
        ),
        lambda: (
            f"{c.ok('Urgent', 'user')} pls — left my {c.ok('Jack cable', 'user')} in the car. "
            f"It was {possessive(c, 'user')} ride, plate ends 4K. {signoff(c, 'user')}"
        ),
        lambda: f"Привет, это {nonlatin(c, 'user')}. need a car for {name_list(c, 'user', 2)} to the station",
    )
    trip = f"TRP-{c.rng.randint(1000000, 9999999)}"
    a1, cid = call(c, "dispatch_trip_status", {"trip_id": trip, "rider": full(c, "tool_args", "json")})
    drv_first, drv_last = c.person(other_loc(c))
    r1 = result(
        cid,
        {
            "trip_id": trip,
            "driver": c.pii("PERSON", f"{drv_first} {drv_last}", "tool_result", "json"),
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
            f"Sorry about that! {c.pii('PERSON', drv_first, 'assistant', 'first')} is {c.rng.randint(2, 9)} minutes away in a "
            f"{c.ok('Ford Focus', 'assistant')}."
        ),
        lambda: (
            f"{c.ok('Please', 'assistant')} wait at the main entrance, {first(c, 'assistant')}. "
            f"{c.pii('PERSON', drv_first, 'assistant', 'first')} has your lost-item report."
        ),
    )
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=answer,
        tools=[tool("dispatch_trip_status", "Live status of a trip", "trip_id", "rider")],
        context=context,
        feedback={"rating": 1, "comment": f"driver {fb_name(c)} was rude"} if c.rng.random() < 0.5 else None,
        metadata={"zone": c.choice(("north", "airport", "centre")), "dispatcher_name": meta_name(c)},
    )


@fam
def h2_telecom_cancellation(c: Ctx) -> dict:
    retention = full(c, "system", "system")
    system = (
        f"Contract cancellation assistant for Volta Mobile. Retention specialist: {retention}. "
        f"Offer the {c.ok('Family Sharing', 'system')} discount before processing a cancellation; "
        f"notice periods follow the {c.ok('Grace period', 'system')} policy."
    )
    acct = f"VM{c.rng.randint(10000000, 99999999)}"
    u = c.pick(
        lambda: (
            f"I want to cancel. account {acct}, holder {lower(c, 'user')}. {c.ok('Bill to', 'user')} my old address stopped."
        ),
        lambda: (
            f"{opening(c, 'user', 'account ' + acct)}. {titled(c, 'user')} passed away and I need to end the contract in their name."
        ),
        lambda: (
            f"{c.ok('Please', 'user')} cancel {possessive(c, 'user')} line and move {name_list(c, 'user', 2)} to prepaid. "
            f"{signoff(c, 'user')}"
        ),
    )
    a1, cid = call(
        c, "get_telecom_contract", {"account_number": acct, "account_holder": full(c, "tool_args", "json")}
    )
    r1 = result(
        cid,
        {
            "account_number": acct,
            "inhaber": full(c, "tool_result", "json"),
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
            "text": f"{c.ok('Frank feedback', 'context')} from last call: customer spoke with {full(c, 'context', 'context')}, "
            f"then with {nonlatin(c, 'context')} in the {c.ok_pick(CITY_CONTEXT, 'context')}.",
        }
    ]
    answer = c.pick(
        lambda: (
            f"I'm sorry to hear that, {first(c, 'assistant')}. {retention.split()[0]} can waive the early termination fee."
        ),
        lambda: (
            f"{c.ok('Thanks', 'assistant')} for waiting. {possessive(c, 'assistant')} line will close on the contract end date; "
            f"{c.ok('Will you', 'assistant')} keep the number?"
        ),
    )
    return c.line(
        system=system,
        messages=[*greeting(c), user(u), a1, r1],
        answer=answer,
        tools=[
            tool(
                "get_telecom_contract", "Contract and lines of an account", "account_number", "account_holder"
            )
        ],
        context=context,
        feedback={"rating": 3, "comment": f"{fb_name(c)} tried to upsell me three times"}
        if c.rng.random() < 0.6
        else None,
        metadata={"retention_owner": meta_name(c), "reason": c.choice(("moving", "price", "bereavement"))},
    )


@fam
def h2_meeting_notes(c: Ctx) -> dict:
    owner = full(c, "system", "system", other_loc(c))
    system = (
        "Meeting-notes summariser for the Minutes.ai workspace. Summarise the transcript into decisions "
        f"and action items with owners. Workspace admin: {owner}. Keep product names such as "
        f"{c.ok('Smart Reply', 'system')} unchanged."
    )
    sp1, sp2, sp3 = (c.person(other_loc(c)) for _ in range(3))
    n1 = c.pii("PERSON", f"{sp1[0]} {sp1[1]}", "user", "full")
    n2 = c.pii("PERSON", sp2[0], "user", "first")
    n3 = c.pii("PERSON", sp3[0], "user", "first")
    transcript = (
        f"[00:01] {n1}: ok let's start, {n2} can you share the {c.ok('Summer sale', 'user')} numbers?\n"
        f"[00:03] {n2}: yes — {c.ok('Monday', 'user')} we hit target, thanks to {possessive(c, 'user')} campaign.\n"
        f"[00:07] {n3}: {c.ok('Will you', 'user')} loop in {handle(c, 'user')} about the {c.ok_pick(PRODUCTS, 'user')} launch?\n"
        f"[00:09] {n1}: and {titled(c, 'user')} from legal wants a review {c.ok('in May', 'user')}."
    )
    u = c.pick(
        lambda: f"Summarise this standup please:\n{transcript}",
        lambda: f"{lower(c, 'user')} here, notes from today's sync attached:\n{transcript}",
    )
    a1, cid = call(
        c,
        "minutes_create_action_items",
        {
            "meeting": f"Weekly GTM sync {c.ok(plain_date(c.rng), 'tool_args')}",
            "items": [
                {"owner": c.pii("PERSON", sp2[0], "tool_args", "json"), "task": "send numbers"},
                {"verantwoordelijke": full(c, "tool_args", "json"), "task": "legal review"},
            ],
        },
    )
    r1 = result(
        cid,
        {"created": 2, "created_by": compound(c, "tool_result"), "notify": [c.email("tool_result")]},
    )
    context = [
        {
            "source": "calendar",
            "text": f"Attendees: {name_list(c, 'context', 3)}; organiser {full(c, 'context', 'context')}; "
            f"optional: {nonlatin(c, 'context')}.",
        }
    ]
    answer = (
        f"**Decisions**\n- Launch stays on track.\n**Action items**\n- {c.pii('PERSON', sp2[0], 'assistant', 'first')}: send numbers\n"
        f"- {c.pii('PERSON', sp3[0], 'assistant', 'first')}: brief {c.ok('Customer Success', 'assistant')}\n"
        f"{c.ok('Note', 'assistant')}: {possessive(c, 'assistant')} review is pending."
    )
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=answer,
        tools=[tool("minutes_create_action_items", "Create action items from a meeting", "meeting", "items")],
        context=context,
        feedback={"rating": 4, "comment": f"missed that {fb_name(c)} owns the deck"}
        if c.rng.random() < 0.6
        else None,
        metadata={"recording_owner": meta_name(c), "duration_min": c.rng.randint(10, 60)},
    )


@fam
def h2_legal_intake(c: Ctx) -> dict:
    solicitor = f"{c.choice(('Ms', 'Mr', 'Maître', 'Avv.'))} {c.pii('PERSON', ' '.join(c.person(latin_loc(c))), 'system', 'system')}"
    system = (
        f"Legal intake form assistant of Harrow & Finch LLP. Collect the facts of the matter, the parties and deadlines. "
        f"Supervising solicitor: {solicitor}. Do not give legal advice."
    )
    u = c.pick(
        lambda: (
            f"{opening(c, 'user', 'the tenancy dispute')}. My landlord {compound(c, 'user')} kept the deposit. "
            f"{c.ok('Please', 'user')} advise what to upload."
        ),
        lambda: (
            f"name: {lower(c, 'user')}\nother party: {lower(c, 'user')}\nissue: unpaid invoices, {c.ok('Bill to', 'user')} address wrong"
        ),
        lambda: (
            f"I was hit by a {c.ok('Ford Focus', 'user')} outside {c.ok(ST_MARYS, 'user')}. "
            f"Witnesses: {name_list(c, 'user')}. {signoff(c, 'user')}"
        ),
    )
    a1, cid = call(
        c,
        "legal_intake_submit",
        {
            "client": full(c, "tool_args", "json"),
            "opposing_party": compound(c, "tool_args"),
            "matter_type": c.choice(("tenancy", "employment", "personal injury", "debt")),
            "contact_email": c.email("tool_args"),
        },
    )
    r1 = result(
        cid,
        {
            "matter_id": f"HF-{c.rng.randint(2020, 2026)}-{c.rng.randint(1000, 9999)}",
            "conflict_check": {"clear": True, "checked_by": full(c, "tool_result", "json")},
            "mandant": given(c, "tool_result", "json"),
            "assigned_paralegal": handle(c, "tool_result", at=False),
        },
    )
    context = [
        {
            "source": "email_thread",
            "text": f"From: {full(c, 'context', 'context')}\nTo: intake\n{c.ok('Reminder', 'context')}: {titled(c, 'context')} "
            f"must file by {c.ok(plain_date(c.rng), 'context')}. {signoff(c, 'context')}",
        }
    ]
    answer = c.pick(
        lambda: (
            f"Thank you, {first(c, 'assistant')}. I've opened the matter; {solicitor} will review the conflict check."
        ),
        lambda: (
            f"{c.ok('Thanks', 'assistant')} — I've noted {possessive(c, 'assistant')} statement. "
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
        feedback={"rating": 4, "comment": f"form was clear, {fb_name(c)} followed up fast"}
        if c.rng.random() < 0.5
        else None,
        metadata={"intake_reviewer": meta_name(c), "practice_area": "litigation"},
    )


@fam
def h2_pharmacy_refill(c: Ctx) -> dict:
    pharmacist = full(c, "system", "system")
    system = (
        f"Prescription refill assistant for GreenCross Pharmacy. Pharmacist in charge: {pharmacist}. "
        f"Confirm patient identity with date of birth; controlled drugs need the {c.ok('Pharmacist Review', 'system')} step."
    )
    u = c.pick(
        lambda: (
            f"{opening(c, 'user', 'GreenCross')}, I need a refill of my inhaler, prescribed by {titled(c, 'user')}."
        ),
        lambda: f"refill for my mum {lower(c, 'user')} please, dob {c.dob('user')}. {c.ok('Thanks', 'user')}",
        lambda: (
            f"Hi! Can you refill {possessive(c, 'user')} and {possessive(c, 'user')} meds? "
            f"{c.ok('Friday', 'user')} pickup. {signoff(c, 'user')}"
        ),
        lambda: f"{nonlatin(c, 'user')} — 処方箋の再発行をお願いします。{c.ok_pick(NONLATIN_BENIGN, 'user')}",
    )
    rx = f"RX{c.rng.randint(1000000, 9999999)}"
    a1, cid = call(c, "pharmacy_refill_request", {"rx_number": rx, "patient": full(c, "tool_args", "json")})
    r1 = result(
        cid,
        {
            "rx_number": rx,
            "patient": full(c, "tool_result", "json"),
            "prescriber": compound(c, "tool_result"),
            "paciente_contacto": given(c, "tool_result", "json"),
            "refills_left": c.rng.randint(0, 5),
            "pickup_store": c.ok(
                c.choice(("Lincoln Road Depot", "Victoria Station", "Market Square")), "tool_result"
            ),
        },
    )
    context = [
        {
            "source": "patient_notes",
            "text": f"Allergy noted by {full(c, 'context', 'context')}; carer {name_list(c, 'context', 2)} may collect. "
            f"Last refill {c.ok(plain_date(c.rng), 'context')}.",
        }
    ]
    answer = c.pick(
        lambda: (
            f"All set, {first(c, 'assistant')}! {pharmacist.split()[0]} approved the refill; it'll be ready "
            f"{c.ok('Friday', 'assistant')}."
        ),
        lambda: (
            f"{c.ok('Please', 'assistant')} note {possessive(c, 'assistant')} prescription needs a new authorisation. "
            f"{c.ok('Hope this helps', 'assistant')}."
        ),
    )
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=answer,
        tools=[tool("pharmacy_refill_request", "Request a repeat prescription", "rx_number", "patient")],
        context=context,
        feedback={"rating": 5, "comment": f"{fb_name(c)} at the counter was very kind"}
        if c.rng.random() < 0.6
        else None,
        metadata={"pharmacist_on_duty": meta_name(c), "store": f"GC-{c.rng.randint(100, 999)}"},
    )


@fam
def h2_game_moderation(c: Ctx) -> dict:
    lead = full(c, "system", "system", other_loc(c))
    system = (
        f"Moderation triage bot for the Shardfall Online player-report queue. Lead moderator: {lead}. "
        f"Classify reports (cheating, harassment, spam); the {c.ok('Night Shift', 'system')} team handles appeals."
    )
    reported = handle(c, "user")
    u = c.pick(
        lambda: (
            f"reporting {reported} for wallhacks in ranked, my friend {lower(c, 'user', whole=False)} saw it too"
        ),
        lambda: (
            f"{opening(c, 'user', 'guild Ironveil')}. {reported} keeps spamming {c.ok('Summer sale', 'user')} "
            f"scam links. {c.ok('Mark as read', 'user')} doesn't hide them."
        ),
        lambda: (
            f"{reported} harassed {name_list(c, 'user', 2)} in voice chat. {c.ok('Will you', 'user')} ban them? "
            f"{signoff(c, 'user')}"
        ),
        lambda: f"{nonlatin(c, 'user')} 님이 욕설을 했어요. also {reported}",
    )
    rep = f"RPT-{c.rng.randint(100000, 999999)}"
    a1, cid = call(
        c,
        "moderation_report_fetch",
        {
            "report_id": rep,
            "reported_player": reported.lstrip("@"),
            "reporter_real_name": full(c, "tool_args", "json"),
        },
    )
    r1 = result(
        cid,
        {
            "report_id": rep,
            "prior_strikes": c.rng.randint(0, 4),
            "account_owner": full(c, "tool_result", "json"),
            "linked_accounts": [handle(c, "tool_result", at=False), compound(c, "tool_result")],
            "last_ip": c.ip("tool_result"),
            "reviewed_by": given(c, "tool_result", "json"),
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
            f"Thanks {first(c, 'assistant')}, report {rep} is queued as cheating. {possessive(c, 'assistant')} clip helps."
        ),
        lambda: (
            f"{c.ok('Update', 'assistant')}: {reported} is muted for 24h pending review by {lead.split()[0]}."
        ),
    )
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=answer,
        tools=[tool("moderation_report_fetch", "Load a player report", "report_id", "reported_player")],
        context=context,
        feedback={"rating": 2, "comment": f"mod {fb_name(c)} ignored my report"}
        if c.rng.random() < 0.5
        else None,
        metadata={"moderator": meta_name(c), "game_region": c.choice(("EUW", "NA", "SEA"))},
        tags=["moderation", c.ok(c.choice(("Frank feedback", "Hot Fix")), "tags")],
    )


@fam
def h2_insurance_claims(c: Ctx) -> dict:
    adjuster = full(c, "system", "system")
    system = (
        f"Claims handling assistant for Meridian Mutual Insurance. Assigned loss adjuster: {adjuster}. "
        f"Policy wording for {c.ok('Accidental Damage Cover', 'system')} applies; flag possible fraud."
    )
    veh = c.choice(("Ford Focus", "Tesla Model 3", "Dr. Martens"))
    u = c.pick(
        lambda: (
            f"{opening(c, 'user', 'policy holder services')}. My {c.ok('Tesla Model 3', 'user')} was hit by {compound(c, 'user')}."
        ),
        lambda: f"claim for water damage, policy holder {lower(c, 'user')}, witness {lower(c, 'user')}",
        lambda: (
            f"Hello {first(c, 'user')}, attached photos of {possessive(c, 'user')} kitchen. "
            f"{c.ok('Urgent', 'user')} — {signoff(c, 'user')}"
        ),
    )
    claim = f"CLM-{c.rng.randint(10000000, 99999999)}"
    a1, cid = call(c, "claims_file_open", {"claim_no": claim, "policyholder": full(c, "tool_args", "json")})
    r1 = result(
        cid,
        {
            "claim_no": claim,
            "policyholder": full(c, "tool_result", "json"),
            "third_party": {"name": compound(c, "tool_result"), "vehicle": c.ok(veh, "tool_result")},
            "witnesses": [given(c, "tool_result", "json"), full(c, "tool_result", "json", other_loc(c))],
            "payout_iban": c.iban("tool_result"),
        },
    )
    context = [
        {
            "source": "claim_notes",
            "text": f"Site visit by {titled(c, 'context')}; {full(c, 'context', 'context')} disputes liability. "
            f"{c.ok('Grace period', 'context')} for documents ends {c.ok(plain_date(c.rng), 'context')}.",
        }
    ]
    answer = c.pick(
        lambda: (
            f"Thanks {first(c, 'assistant')}, claim {claim} is open and {adjuster.split()[-1]} will call within 48h."
        ),
        lambda: (
            f"{c.ok('Please', 'assistant')} send the repair quote for {possessive(c, 'assistant')} car. "
            f"{c.ok('Hope this helps', 'assistant')}."
        ),
    )
    return c.line(
        system=system,
        messages=[*greeting(c), user(u), a1, r1],
        answer=answer,
        tools=[tool("claims_file_open", "Open or load a claim file", "claim_no", "policyholder")],
        context=context,
        feedback={"rating": 1, "comment": f"{fb_name(c)} lost my photos twice"}
        if c.rng.random() < 0.5
        else None,
        metadata={"adjuster_backup": meta_name(c), "line_of_business": "motor"},
    )


@fam
def h2_admissions_office(c: Ctx) -> dict:
    officer = full(c, "system", "system", other_loc(c))
    system = (
        f"Admissions office assistant for Northgate University. Admissions officer for this region: {officer}. "
        f"Answer questions on the {c.ok('Early Decision', 'system')} round and the {c.ok('Dean’s List', 'system')} scholarship."
    )
    u = c.pick(
        lambda: (
            f"{opening(c, 'user', 'the Bristol sixth form')}. My referee {titled(c, 'user')} hasn't received the link."
        ),
        lambda: (
            f"hi im {lower(c, 'user')}, applying for MSc Data Science. {c.ok('Will you', 'user')} accept IELTS from {c.ok('in May', 'user')}?"
        ),
        lambda: (
            f"{c.ok('Dear Admissions', 'user')}, I'm writing on behalf of my daughter {compound(c, 'user')}. {signoff(c, 'user')}"
        ),
        lambda: f"{nonlatin(c, 'user')}です。出願書類について質問があります。",
    )
    app = f"NGU-{c.rng.randint(2026000, 2026999)}"
    a1, cid = call(
        c,
        "admissions_applicant_record",
        {"applicant_id": app, "applicant_name": full(c, "tool_args", "json")},
    )
    r1 = result(
        cid,
        {
            "applicant_id": app,
            "nom_etudiant": full(c, "tool_result", "json"),
            "referees": [{"name": compound(c, "tool_result")}, {"name": given(c, "tool_result", "json")}],
            "interviewer": handle(c, "tool_result", at=False),
            "date_of_birth": c.dob("tool_result"),
        },
    )
    context = [
        {
            "source": "email_thread",
            "text": f"> On {c.ok(plain_date(c.rng), 'context')}, {full(c, 'context', 'context')} wrote:\n"
            f"> {c.ok('Please', 'context')} forward {possessive(c, 'context')} transcript to {name_list(c, 'context', 2)}.",
        }
    ]
    answer = c.pick(
        lambda: (
            f"Hi {first(c, 'assistant')}! The reference portal link was resent; {officer} will confirm receipt."
        ),
        lambda: (
            f"{c.ok('Thanks', 'assistant')} for applying. {possessive(c, 'assistant')} reference is still outstanding."
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
        feedback={"rating": 5, "comment": f"{fb_name(c)} from admissions was super helpful"}
        if c.rng.random() < 0.6
        else None,
        metadata={"officer_backup": meta_name(c), "intake": "2027"},
    )


@fam
def h2_home_repair(c: Ctx) -> dict:
    coordinator = full(c, "system", "system")
    system = (
        f"Booking assistant for FixRight Home Repairs. Scheduling coordinator: {coordinator}. "
        f"Trades: plumbing, electrics, roofing; the {c.ok('Priority Support', 'system')} plan gets same-day slots."
    )
    u = c.pick(
        lambda: (
            f"{opening(c, 'user', 'flat 3')}, the boiler's leaking again. {possessive(c, 'user')} visit last week didn't fix it."
        ),
        lambda: (
            f"need an electrician, ask for {lower(c, 'user', whole=False)} he did our kitchen. {c.ok('Bill to', 'user')} my landlord "
            f"{compound(c, 'user')}."
        ),
        lambda: (
            f"{c.ok('Monday', 'user')} morning ok? The site contact is {titled(c, 'user')}, key with "
            f"{name_list(c, 'user', 2)}. {signoff(c, 'user')}"
        ),
    )
    job = f"JOB-{c.rng.randint(100000, 999999)}"
    a1, cid = call(
        c,
        "book_repair_visit",
        {"job_ref": job, "homeowner": full(c, "tool_args", "json"), "site_address": c.address("tool_args")},
    )
    r1 = result(
        cid,
        {
            "job_ref": job,
            "slot": f"{c.ok(plain_date(c.rng), 'tool_result')} 08:00-12:00",
            "technician": full(c, "tool_result", "json", other_loc(c)),
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
            "text": f"{job}: previous visit by {full(c, 'context', 'context')} ({handle(c, 'context')}); "
            f"customer {nonlatin(c, 'context')} asked for a quote.",
        }
    ]
    answer = c.pick(
        lambda: (
            f"Booked, {first(c, 'assistant')}! {coordinator.split()[0]} will text you the technician's ETA."
        ),
        lambda: (
            f"{c.ok('Thanks', 'assistant')} — {possessive(c, 'assistant')} team is booked; "
            f"{c.ok('Please', 'assistant')} clear access to the boiler."
        ),
    )
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=answer,
        tools=[
            tool("book_repair_visit", "Book a tradesperson visit", "job_ref", "homeowner", "site_address")
        ],
        context=context,
        feedback={"rating": 4, "comment": f"{fb_name(c)} was on time and tidy"}
        if c.rng.random() < 0.6
        else None,
        metadata={"coordinator_cover": meta_name(c), "trade": c.choice(("plumbing", "electrics", "roofing"))},
    )
