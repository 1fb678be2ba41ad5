"""Template families of the `dev2` split of the PII benchmark: a names-heavy tuning split.

Twelve scenarios, one family each (family names start with `d2_`):

* `d2_courier_chat`      - live chat of a same-day courier network (tracking, safe places, drivers)
* `d2_clinic_bot`        - appointment bot of a GP / outpatient clinic (patients, clinicians)
* `d2_tenancy_desk`      - letting agent's tenancy desk (tenants, landlords, rent ledger notes)
* `d2_school_messaging`  - school parent messaging (teachers, parents, pupils)
* `d2_invoice_disputes`  - freelance invoice disputes (quoted e-mail threads, client contacts)
* `d2_car_rental_desk`   - airport car rental counter (main / additional drivers)
* `d2_event_planner`     - event and wedding planning (guest lists, hosts, suppliers)
* `d2_crm_notes`         - notes assistant inside a SaaS CRM (account owners, @mentions, notes)
* `d2_gym_front_desk`    - gym front desk (members, trainers, check-ins)
* `d2_visa_helper`       - visa application helper (applicants, sponsors, passport names)
* `d2_recruiting`        - recruiting coordinator (candidates, interview panels, hiring managers)
* `d2_library`           - public library assistant (borrowers, holds, staff)

Every record plants at least three person names, spread over the shapes names take in chat,
support and business logs (`kind` of the PERSON gold): `first` (lone first names in chat),
`lower` (names typed in lower case), `opening` ("Marta here again"), `signature` (sign-offs),
`system` (names in system prompts), `json` (tool arguments / results under name keys, some in
other languages), `context` (retrieved notes, tickets, quoted mail), `compound` (particles,
apostrophes, hyphens), `title` (the name after a title such as "Dr." or "Herr"; the title itself
is left outside the planted value throughout), `possessive` ("Liam's"; the "'s" outside),
`list` ("Nora, Felix and Ida", each name planted), `mention` (handles built from names; the "@"
outside), `nonlatin` (CJK, Cyrillic, Arabic, Devanagari, Hangul), `feedback` and `metadata`,
plus `full` (a plain full name in a chat turn).  A name reused in another field is planted there
too (kind after that field: `json`, `context`, `feedback`, `metadata`, `system`), and a name left
over from a phrasing that was not chosen is dropped unless it stands as a whole word of its own.
Each record also carries about one other PII value and several benign phrases a naive name finder
would mask (capitalised words, first names used as words, person-like brands and places, plan and
team vocabulary).

How this split was kept independent
-----------------------------------
Written from the brief for issue 12 only.  Nothing under `evalpipe/pii/` or `evalpipe/synth/` was
opened, nor `benchmarks/pii_corpus.py`, `benchmarks/pii_dev_corpus.py`,
`benchmarks/pii_families_dev.py`, `benchmarks/pii_families_heldout.py`, the `heldout2` split's
file or any other worktree; the repository was not grepped for name rules.  Only the
infrastructure (`benchmarks/pii_heldout.py`: `Ctx`, `call`, `result`, `user`, `assistant`,
`tool`, the benign pools, `build_split`, `_finalise`) and the value generators
(`benchmarks/pii_values.py`) were read, and neither was changed.  The scrubber was never run on
this split (no `evalpipe scrub`, `benchmarks/pii.py` or `Scrubber`); the only checks run were the
structural ones of the brief (determinism, every planted value present in its field, counts per
kind).  Scenarios, system prompts, tool names, JSON keys and sentence frames were written fresh
for this file from what such assistants log.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from pii_heldout import (
    COMPANIES,
    LOCALES,
    PRODUCTS,
    SOFTWARE,
    Ctx,
    assistant,
    call,
    line_fields,
    order_ref,
    plain_date,
    result,
    tool,
    user,
)

FAMILIES: dict[str, Callable[[Ctx], dict]] = {}


def fam(fn):
    """Register a family; every planted name is also planted in the other fields it was written into."""

    def family(c: Ctx) -> dict:
        line = fn(c)
        _drop_stray_names(c, line)
        _plant_repeats(c, line)
        return line

    family.__name__ = fn.__name__
    family.__doc__ = fn.__doc__
    FAMILIES[fn.__name__] = family
    return family


def _word_in(value: str, text: str, gold_values: list[str]) -> bool:
    """value occurs in text as a whole word, outside the longer planted values that contain it."""
    for longer in sorted(gold_values, key=len, reverse=True):
        if value in longer and longer != value:
            text = text.replace(longer, "\x00")
    return re.search(r"(?<!\w)" + re.escape(value) + r"(?!\w)", text) is not None


def _drop_stray_names(c: Ctx, line: dict) -> None:
    """Phrasings that were not chosen still planted their names (eager f-strings in `c.pick`); a name
    left from them that happens to be part of other text ("Eva" in "Evaluation", "Keya" inside
    "Keya Seshadri") is not a name written there, so it is not gold."""
    fields = line_fields(line)
    keep = []
    for g in c.gold:
        if g.entity == "PERSON":
            same_field = [h.value for h in c.gold if h.field == g.field and h is not g]
            if not _word_in(g.value, fields[g.field], same_field):
                continue
        keep.append(g)
    c.gold[:] = keep


_REPEAT_KIND = {
    "tool_args": "json",
    "tool_result": "json",
    "context": "context",
    "feedback": "feedback",
    "metadata": "metadata",
    "system": "system",
}


def _plant_repeats(c: Ctx, line: dict) -> None:
    """A name reused in another field (an agent's name in the answer and the metadata) is gold there too."""
    fields = line_fields(line)
    planted = {}
    for g in c.gold:
        if g.entity == "PERSON" and g.value in fields[g.field]:
            planted.setdefault(g.value, g.kind)
    have = {(g.value, g.field) for g in c.gold if g.entity == "PERSON"}
    benign_words = {w for b in c.benign for w in re.findall(r"\w+", b.phrase)}
    for value, kind in planted.items():
        if value in benign_words:  # "Mark" the name vs "Mark as read": the benign phrase wins
            continue
        for fld, text in fields.items():
            if (value, fld) in have:
                continue
            # occurrences inside a longer planted value ("Steven" in "Steven Shaw") are covered by it
            if _word_in(value, text, [g.value for g in c.gold if g.field == fld]):
                P(c, value, fld, _REPEAT_KIND.get(fld) or ("lower" if value.islower() else kind))


# ------------------------------------------------------------------------------ name helpers
LATIN = tuple(loc for loc in LOCALES if loc != "ja_JP")

IRISH = ("Neill", "Brien", "Connor", "Sullivan", "Reilly", "Donnell", "Hara", "Leary", "Dwyer", "Keeffe")
AR_FIRST = ("Omar", "Yasmin", "Khalid", "Layla", "Tariq", "Noor", "Samir", "Huda", "Faisal", "Rania")
AR_LAST = ("Rashid", "Masri", "Hakim", "Amin", "Sayed", "Farsi", "Zahra", "Qasimi", "Nouri")
PT_LAST = ("Silva", "Santos", "Costa", "Souza", "Oliveira", "Rocha")
TITLES = {
    "de_DE": ("Herr", "Frau", "Dr."),
    "fr_FR": ("M.", "Mme", "Dr"),
    "es_ES": ("Sr.", "Sra.", "Dra."),
    "it_IT": ("Sig.", "Sig.ra", "Dott."),
    "nl_NL": ("dhr.", "mevr.", "Dr."),
    "pl_PL": ("Pan", "Pani", "dr"),
}
EN_TITLES = ("Mr", "Mrs", "Ms", "Dr.", "Dr", "Mr.", "Miss", "Prof.")


def _ascii(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


def loc_of(c: Ctx) -> str:
    """Mostly the record's locale, sometimes another one (mixed teams and customers)."""
    return c.loc if c.rng.random() < 0.55 else c.choice(LOCALES)


def latin_loc(c: Ctx) -> str:
    return c.loc if c.loc in LATIN and c.rng.random() < 0.5 else c.choice(LATIN)


def P(c: Ctx, value: str, fld: str, kind: str) -> str:
    """Plant a person name (again) in a field."""
    return c.pii("PERSON", value, fld, kind)


def first(c: Ctx, fld: str, kind: str = "first", loc: str | None = None) -> str:
    return P(c, c.person(loc or loc_of(c))[0], fld, kind)


def full(c: Ctx, fld: str, kind: str, loc: str | None = None) -> str:
    f, la = c.person(loc or loc_of(c))
    return P(c, f"{f} {la}", fld, kind)


def lower(c: Ctx, fld: str) -> str:
    f, la = c.person(latin_loc(c))
    return P(
        c, c.pick(lambda: f"{f} {la}".lower(), lambda: f.lower(), lambda: f"{f} {la}".lower()), fld, "lower"
    )


def sig(c: Ctx, fld: str) -> str:
    f, la = c.person(loc_of(c))
    return P(c, c.pick(f, f"{f} {la}", f"{f[0]}. {la}", f"{f} {la[0]}."), fld, "signature")


def handle(c: Ctx, fld: str) -> str:
    """A handle built from a name, planted without its "@"; returns "@handle"."""
    f, la = c.person(latin_loc(c))
    f, la = _ascii(f).lower().replace(" ", ""), _ascii(la).lower().replace(" ", "").replace("'", "")
    if len(f) < 2 or len(la) < 2:
        f, la = (s.lower() for s in c.person("en_GB"))
    h = c.pick(f"{f}.{la}", f"{f}{la[0]}", f"{f[0]}{la}", f"{f}_{la}", f)
    P(c, h, fld, "mention")
    return "@" + h


def compound(c: Ctx, fld: str) -> str:
    shape = c.choice(("nl", "es", "irish", "hyph_first", "double_last", "de", "it", "pt", "al", "fr_de"))
    if shape == "nl":
        f, la = c.person("nl_NL")
        v = f"{f} {c.choice(('van der', 'van den', 'de', 'van', 'ter', 'van de'))} {la.split()[-1]}"
    elif shape == "es":
        f, la = c.person("es_ES")
        v = f"{f} {c.choice(('de la', 'del', 'de los'))} {la.split()[-1]}"
    elif shape == "irish":
        f, _ = c.person(c.choice(("en_GB", "en_US", "en_AU")))
        v = c.pick(
            lambda: f"{f} O'{c.choice(IRISH)}",
            lambda: f"{f} O'{c.choice(IRISH)}",
            lambda: f"{f} Mc{c.choice(('Donald', 'Kenna', 'Carthy', 'Laughlin', 'Intyre'))}",
        )
    elif shape == "hyph_first":
        f1, _ = c.person("fr_FR")
        f2, la = c.person("fr_FR")
        v = f"{f1.split('-')[0]}-{f2.split('-')[-1]} {la}"
    elif shape == "double_last":
        f, l1 = c.person(c.choice(("en_GB", "en_AU", "pl_PL")))
        _, l2 = c.person("en_GB")
        v = f"{f} {l1}-{l2}"
    elif shape == "de":
        f, la = c.person("de_DE")
        v = f"{f} {c.choice(('von', 'von der', 'zu'))} {la}"
    elif shape == "it":
        f, la = c.person("it_IT")
        v = c.pick(
            f"{f} di {la}",
            f"{f} D'{c.choice(('Angelo', 'Amico', 'Alessandro', 'Agostino', 'Onofrio'))}",
            f"{f} De {la}",
        )
    elif shape == "pt":
        f, _ = c.person(c.choice(("es_ES", "en_US")))
        v = f"{f} {c.choice(('da', 'dos', 'de'))} {c.choice(PT_LAST)}"
    elif shape == "al":
        v = f"{c.choice(AR_FIRST)} {c.choice(('al-', 'Al-', 'el-'))}{c.choice(AR_LAST)}"
    else:
        f, la = c.person("fr_FR")
        v = f"{f} {c.choice(('de', 'Le', 'du'))} {la}"
    return P(c, v, fld, "compound")


def titled(c: Ctx, fld: str, loc: str | None = None) -> str:
    """Title + surname (or full name); only the name part is planted."""
    loc = loc or latin_loc(c)
    f, la = c.person(loc)
    t = c.choice(TITLES.get(loc, EN_TITLES))
    v = la if c.rng.random() < 0.7 else f"{f} {la}"
    P(c, v, fld, "title")
    return f"{t} {v}"


def poss(c: Ctx, fld: str, loc: str | None = None) -> str:
    """ "Liam's": the name planted, the "'s" outside."""
    f = P(c, c.person(loc or loc_of(c))[0], fld, "possessive")
    return f + ("'" if f.endswith("s") else "'s")


def names_list_v(c: Ctx, fld: str, n: int | None = None) -> tuple[str, list[str]]:
    """ "Nora, Felix and Ida": each name planted; returns the text and the names."""
    n = n or c.choice((2, 3, 3, 4))
    loc = loc_of(c)
    vs = list(dict.fromkeys(P(c, c.person(loc)[0], fld, "list") for _ in range(n)))
    if len(vs) == 1:
        return vs[0], vs
    conj = c.choice((" and ", " & ", ", ", " and ", " und " if loc == "de_DE" else " and "))
    return ", ".join(vs[:-1]) + conj + vs[-1], vs


def names_list(c: Ctx, fld: str, n: int | None = None) -> str:
    return names_list_v(c, fld, n)[0]


def nonlatin(c: Ctx, fld: str) -> str:
    return c.name(fld, "nonlatin")


def ok(c: Ctx, fld: str, *phrases: str) -> str:
    return c.ok(c.choice(phrases), fld)


def rating(c: Ctx) -> int:
    return c.choice((1, 2, 4, 5, 5))


# ================================================================================ families
@fam
def d2_courier_chat(c: Ctx) -> dict:
    dispatcher = full(c, "system", "system")
    system = (
        "You are ParcelPal, the live-chat assistant of a same-day courier network. Help senders and "
        "recipients track consignments, change safe places and book redeliveries. Never promise a "
        f"delivery window tighter than the driver app shows. Dispatcher on shift: {dispatcher}."
    )
    ref = f"PP{c.rng.randint(10**8, 10**9 - 1)}GB"
    opener = c.pick(
        lambda: f"{first(c, 'user', 'opening')} here again",
        lambda: f"hi it's {first(c, 'user', 'opening')}",
        lambda: f"Hello, this is {full(c, 'user', 'opening')}",
        lambda: f"{lower(c, 'user')} here",
    )
    neighbour = c.pick(lambda: lower(c, "user"), lambda: first(c, "user"), lambda: titled(c, "user"))
    place = ok(c, "user", "Safe Place", "Lincoln Road Depot", "Parcel Locker")
    u = c.pick(
        lambda: (
            f"{opener}. parcel {ref} still says out for delivery. can you leave it with {neighbour} at no. 14? "
            f"{c.ok('Thanks', 'user')}"
        ),
        lambda: f"{opener} - {ref} hasn't arrived. Please change it to {place}, or give it to {neighbour}",
        lambda: (
            f"{opener}, where is {ref}?? {c.ok('Will you', 'user')} be here before 6, my neighbour {neighbour} "
            f"can sign otherwise"
        ),
    )
    a1, cid = call(c, "parcelpal_track_consignment", {"consignment_ref": ref, "include_driver": True})
    driver = full(c, "tool_result", "json")
    signer = c.pick(
        lambda: P(c, neighbour, "tool_result", "json") if neighbour.islower() else None, lambda: None
    )
    res = {
        "consignment_ref": ref,
        "status": c.choice(("OUT_FOR_DELIVERY", "AT_DEPOT", "ATTEMPTED")),
        "driver": {"name": driver, "vehicle": c.ok("Ford Transit Custom", "tool_result"), "stops_before": 4},
        "hub": c.ok("Lincoln Road Depot", "tool_result"),
        "recipient_phone": c.phone("tool_result"),
    }
    if signer:
        res["authorised_signer"] = signer
    r1 = result(cid, res)
    dfirst = driver.split()[0]
    P(c, dfirst, "assistant", "possessive")
    pre = c.pick(
        lambda: [
            user("hi"),
            assistant("Hi there, ParcelPal here! Who am I speaking with, and what's the tracking number?"),
        ],
        lambda: [
            user(f"{c.ok('Hello', 'user')}??"),
            assistant(f"{c.ok('Good morning', 'assistant')}! How can I help with your delivery today?"),
        ],
        lambda: [],
    )
    answer = c.pick(
        f"{c.ok('Thanks', 'assistant')} for waiting! {dfirst}'s van has 4 stops before yours, so roughly 40 minutes. "
        "I've added the note about your neighbour.",
        f"Sorry for the wait. {dfirst}'s route is running about 25 minutes late today; I've flagged your note so "
        "the driver sees it before the stop.",
        f"Good news: it's on {dfirst}'s van now and should reach you in about 40 minutes. "
        f"If you're out it will go to the {c.ok('Lincoln Road Depot', 'assistant')}.",
    )
    fb = c.pick(
        lambda: {"rating": rating(c), "comment": f"driver {first(c, 'feedback', 'feedback')} was lovely"},
        lambda: {
            "rating": 2,
            "comment": f"{c.ok('Frank feedback', 'feedback')}: ask {full(c, 'feedback', 'feedback')} "
            "to stop leaving parcels in the bin",
        },
        lambda: None,
    )
    md = {
        "channel": "webchat",
        "queue": c.ok("Night Shift", "metadata"),
        "dispatcher": P(c, dispatcher, "metadata", "metadata"),
    }
    return c.line(
        system=system,
        messages=[*pre, user(u), a1, r1],
        answer=answer,
        tools=[
            tool("parcelpal_track_consignment", "Track a consignment", "consignment_ref", "include_driver")
        ],
        feedback=fb,
        metadata=md,
        tags=["courier", "tracking"],
    )


@fam
def d2_clinic_bot(c: Ctx) -> dict:
    doc = titled(c, "system")
    clinic = c.ok(
        c.choice(("St. Mary's Hospital", "Riverside Medical Practice", "Elm Tree Surgery")), "system"
    )
    system = (
        f"MediBook appointment bot for {clinic} outpatient clinics. Book, move and cancel appointments; "
        f"never give medical advice. Duty clinician for triage questions: {doc}."
    )
    who = c.pick(
        lambda: f"my name is {lower(c, 'user')}",
        lambda: f"{full(c, 'user', 'opening')} speaking",
        lambda: f"this is {first(c, 'user', 'opening')}",
    )
    kid = poss(c, "user")
    day = c.ok(c.choice(("Monday", "Tuesday", "Friday")), "user")
    u = c.pick(
        f"Hi, {who}, I need to move my daughter {kid} appointment with {doc} to {day} if possible",
        f"hello {who}. {c.ok('Please', 'user')} can you rebook {kid} vaccination, it clashes with school. {day} afternoon?",
        f"{who} - {kid} asthma review next week, can we do {day} instead",
    )
    patient = full(c, "tool_args", "json")
    a1, cid = call(
        c, "medibook_move_appointment", {"patient": patient, "preferred_day": day, "reason": "clash"}
    )
    P(c, patient, "tool_result", "json")
    prac_loc = latin_loc(c)
    f2, l2 = c.person(prac_loc)
    prac = P(c, f"{f2} {l2}", "tool_result", "json")
    r1 = result(
        cid,
        {
            "patient_name": patient,
            "date_of_birth": c.dob("tool_result"),
            "new_slot": f"{plain_date(c.rng)} 14:20",
            "practitioner": f"Dr {prac}",
            "room": c.ok("Walk-in Centre", "tool_result"),
        },
    )
    answer = c.pick(
        lambda: (
            f"Done - {P(c, kid.split(chr(39))[0], 'assistant', 'possessive')}'s appointment is now with Dr {P(c, l2, 'assistant', 'title')} at 14:20. "
            "You'll get a text reminder."
        ),
        lambda: (
            f"{c.ok('All set', 'assistant')}! The new slot is at 14:20 with Dr {P(c, l2, 'assistant', 'title')}. "
            f"{c.ok('Hope this helps', 'assistant')}."
        ),
    )
    ctx = c.pick(
        lambda: [
            {
                "source": "practice_notes",
                "text": f"Note from reception ({full(c, 'context', 'context')}): paediatric slots on "
                f"{c.ok('Wednesday', 'context')} are reserved for {c.ok('Urgent Care', 'context')} referrals.",
            }
        ],
        lambda: None,
    )
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=answer,
        context=ctx,
        tools=[
            tool("medibook_move_appointment", "Move an appointment", "patient", "preferred_day", "reason")
        ],
        metadata={"clinic_site": clinic, "receptionist": full(c, "metadata", "metadata")},
    )


@fam
def d2_tenancy_desk(c: Ctx) -> dict:
    pm = full(c, "system", "system")
    system = (
        f"You are the tenancy desk assistant of a letting agent ({c.ok('Block Management', 'system')} division). "
        "Answer tenants about rent, deposits, "
        "repairs and renewals using the ledger tool. Property manager for this portfolio: "
        f"{pm}. Escalate disputes over the deposit to the manager."
    )
    signoff = sig(c, "user")
    flat = c.ok(c.choice(("Victoria Station", "Rose Court", "Chase Bank")), "user")
    body = c.pick(
        f"Hello,\nthe boiler is out again at the flat near {flat}. My co-tenant {compound(c, 'user')} "
        f"reported it last week too.\n\nBest regards,\n{signoff}",
        f"Hi there\n{c.ok('Grace period', 'user')} question - rent goes out from my {flat} account on the 3rd, "
        f"is that ok?\nCheers,\n{signoff}",
        f"{c.ok('Urgent', 'user')}: water leak in the bathroom. {titled(c, 'user')} downstairs says it's "
        f"coming through her ceiling.\n— {signoff}",
    )
    key = c.choice(("tenant", "huurder", "locataire", "Mieter", "inquilino"))
    tenant = full(c, "tool_args", "json")
    a1, cid = call(c, "tenancy_desk_rent_ledger", {key: tenant, "months": 6})
    landlord = c.pick(lambda: compound(c, "tool_result"), lambda: full(c, "tool_result", "json"))
    r1 = result(
        cid,
        {
            key: P(c, tenant, "tool_result", "json"),
            "landlord": landlord,
            "arrears": 0,
            "rent_account": c.iban("tool_result"),
            "scheme": c.ok("Rent Guarantee", "tool_result"),
        },
    )
    ctx = [
        {
            "source": "tenancy_notes",
            "text": c.pick(
                lambda: (
                    f"12/09 {full(c, 'context', 'context')} called re: renewal, landlord "
                    f"{P(c, landlord, 'context', 'context')} happy to extend 12 months."
                ),
                lambda: (
                    f"Inspection done by {first(c, 'context', 'context')}. {c.ok('Mark as read', 'context')} "
                    "once tenant confirms."
                ),
            ),
        }
    ]
    sf = signoff.split()[0].rstrip(".")
    answer = c.pick(
        lambda: (
            f"Thanks{' ' + P(c, sf, 'assistant', 'first') if len(sf) > 1 else ''}, I've logged this and asked "
            f"{pm.split()[0]} to arrange a "
            "contractor."
        ),
        lambda: (
            f"{c.ok('Thank you', 'assistant')} for letting us know. Your rent account is up to date; "
            f"{P(c, pm.split()[0], 'assistant', 'possessive')}'s team will follow up."
        ),
    )
    if f"asked {pm.split()[0]} " in answer:
        P(c, pm.split()[0], "assistant", "first")
    return c.line(
        system=system,
        messages=[user(body), a1, r1],
        answer=answer,
        context=ctx,
        tools=[tool("tenancy_desk_rent_ledger", "Rent ledger of a tenancy", key, "months")],
        tags=["lettings"],
    )


@fam
def d2_school_messaging(c: Ctx) -> dict:
    teacher = titled(c, "system", loc=c.choice(("en_GB", "en_AU", "en_US")))
    school = c.ok(c.choice(("Oakfield Primary", "Hillcrest Academy", "Lincoln Road Primary")), "system")
    system = (
        f"Classroom messenger for {school}. Relay messages between parents and staff, draft absence notes "
        f"and answer term-date questions. Class teacher of Year 3: {teacher}."
    )
    kids, kid_names = names_list_v(c, "user")
    who = c.pick(
        lambda: f"hi its {lower(c, 'user')}, mum of {kids}",
        lambda: f"{first(c, 'user', 'opening')} here (dad of {kids})",
        lambda: f"Hello, {full(c, 'user', 'opening')} - parent of {kids}",
    )
    u = c.pick(
        f"{who}. they'll be off sick today, {c.ok('Please', 'user')} let {teacher} know",
        f"{who}. can you tell the office they're going to the dentist in {c.ok('May', 'user')}? "
        f"pick-up will be {first(c, 'user')}",
        f"{who}. when does {c.ok('Summer term', 'user')} start?",
    )
    guard = nonlatin(c, "tool_args") if c.rng.random() < 0.6 else full(c, "tool_args", "json")
    pupil = first(c, "tool_args", "json")
    a1, cid = call(
        c,
        "class_messenger_relay_note",
        {"to_staff": teacher, "pupil": pupil, "guardian": guard, "kind": "absence"},
    )
    P(c, teacher.split(" ", 1)[1], "tool_args", "title")
    r1 = result(
        cid,
        {
            "delivered": True,
            "read_by": handle(c, "tool_result"),
            "channel": c.ok("Parents' Evening", "tool_result"),
        },
    )
    answer = c.pick(
        lambda: (
            f"{c.ok('Thanks', 'assistant')}, I've passed that on to {titled(c, 'assistant')}. Get well soon to "
            f"{P(c, c.choice(kid_names), 'assistant', 'first')}!"
        ),
        lambda: f"Message sent. {c.ok('Summer term', 'assistant')} starts on {plain_date(c.rng)}.",
    )
    fb = c.pick(
        lambda: {
            "rating": 5,
            "comment": f"so much easier than phoning {first(c, 'feedback', 'feedback')} at the office",
        },
        lambda: None,
    )
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=answer,
        feedback=fb,
        tools=[
            tool(
                "class_messenger_relay_note",
                "Send a message to class staff",
                "to_staff",
                "pupil",
                "guardian",
                "kind",
            )
        ],
        metadata={"parent_phone": c.phone("metadata"), "year_group": 3},
    )


@fam
def d2_invoice_disputes(c: Ctx) -> dict:
    system = (
        "InvoiceDesk dispute helper for independent contractors. Summarise the client thread, work out what "
        "is owed and draft a polite but firm reply. Payment terms default to "
        f"{c.ok('Net 30', 'system')}."
    )
    inv = c.ok(order_ref(c.rng), "user")
    client_f, client_l = c.person(loc_of(c))
    client = P(c, f"{client_f} {client_l}", "context", "context")
    ctx = [
        {
            "source": "email_thread",
            "text": f"On {c.ok('Tuesday', 'context')}, {client} <{c.email('context', client_f, client_l)}> wrote:\n"
            f"> We won't pay {inv} until the second round of edits is done. "
            f"{c.ok('Bill to', 'context')} our Madrid entity please.\n> Regards, {P(c, client_f, 'context', 'context')}",
        }
    ]
    me = c.pick(
        lambda: f"\n— {sig(c, 'user')}",
        lambda: f"\nThanks, {sig(c, 'user')}",
        lambda: f"\n\n{c.ok('Kind regards', 'user')},\n{sig(c, 'user')}",
    )
    u = c.pick(
        f"{client_f} is refusing to pay {inv}, see thread. The edits were out of scope. Draft a reply?{me}",
        f"can you help me answer {P(c, client_f, 'user', 'first')}? {inv} is 45 days late and their PM "
        f"{compound(c, 'user')} agreed the scope.{me}",
    )
    if u.startswith(client_f):
        P(c, client_f, "user", "first")
    a1, cid = call(
        c,
        "invoicedesk_open_dispute",
        {"invoice": inv, "client_contact": P(c, client, "tool_args", "json"), "stage": "reminder"},
    )
    r1 = result(
        cid,
        {
            "dispute_id": c.ids("dsp_"),
            "freelancer": full(c, "tool_result", "json"),
            "payout_iban": c.iban("tool_result"),
        },
    )
    answer = c.pick(
        f"Here's a draft:\n\nHi {P(c, client_f, 'assistant', 'first')},\n\nThe edits requested fall outside the agreed "
        f"scope, so {inv} stands as issued. {c.ok('Frank feedback', 'assistant')} is always welcome, but payment is now "
        "overdue.\n\nBest,\n",
        f"{c.ok('Summary', 'assistant')}: {client_f} wants more edits before paying. I've opened a dispute and drafted "
        "a reminder.",
    )
    if "Summary" in answer:
        P(c, client_f, "assistant", "first")
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=answer,
        context=ctx,
        tools=[
            tool(
                "invoicedesk_open_dispute",
                "Open a dispute on an invoice",
                "invoice",
                "client_contact",
                "stage",
            )
        ],
        feedback=c.pick(
            lambda: {"rating": 4, "comment": f"good draft but don't call {client_f} by first name"},
            lambda: None,
        ),
    )


@fam
def d2_car_rental_desk(c: Ctx) -> dict:
    brand = c.ok(c.choice(("Ford Focus", "Tesla Model 3", "Toyota Corolla", "Jeep Renegade")), "tool_result")
    agent = first(c, "system", "system")
    system = (
        f"RentalCounter copilot for the car rental desk at {c.ok('London Heathrow', 'system')} Terminal 5. Look up bookings, add "
        f"drivers and explain cover options. Staff member logged in: {agent}."
    )
    mainf, mainl = c.person(loc_of(c))
    extra = names_list(c, "user", c.choice((1, 2)) + 1)
    u = c.pick(
        lambda: (
            f"customer {titled(c, 'user')} at the counter, booking under {P(c, f'{mainf} {mainl}', 'user', 'full')}, "
            f"wants to add {extra} as drivers"
        ),
        lambda: (
            f"{mainf.lower()} {mainl.lower()} is here to collect, also adding {extra}. "
            f"{c.ok('Will', 'user')} the {c.ok('Super Cover', 'user')} apply to all of them?"
        ),
    )
    if mainf.lower() in u:
        P(c, f"{mainf} {mainl}".lower(), "user", "lower")
    a1, cid = call(
        c, "rental_counter_find_reservation", {"main_driver": P(c, f"{mainf} {mainl}", "tool_args", "json")}
    )
    conductor = c.choice(("main_driver", "conductor_principal", "Hauptfahrer", "conducente"))
    r1 = result(
        cid,
        {
            "booking": c.ids("RB-"),
            conductor: P(c, f"{mainf} {mainl}", "tool_result", "json"),
            "vehicle": brand,
            "licence": c.licence("tool_result"),
            "additional_drivers": [],
            "cover": c.ok(c.choice(("Super Cover", "Full to Full", "Basic Protection")), "tool_result"),
            "notes": f"prev. rental handled by {handle(c, 'tool_result')}",
        },
    )
    answer = c.pick(
        lambda: (
            f"{P(c, mainf, 'assistant', 'possessive')}'s booking is for the {brand}. "
            f"Adding the extra drivers costs £12/day each; {c.ok('Super Cover', 'assistant')} covers all named drivers."
        ),
        lambda: (
            f"Found it - {P(c, mainf, 'assistant', 'first')}, {brand}, 5 days. I'll add the drivers; each "
            "needs their licence at the counter."
        ),
    )
    err = None
    if c.rng.random() < 0.2:
        err = {
            "type": "tool_error",
            "code": 504,
            "message": f"rental_counter_find_reservation timed out (main_driver={P(c, f'{mainf} {mainl}', 'error', 'json')!r}, "
            f"desk=LHR-T5, {c.ok('Gateway Timeout', 'error')})",
        }
    return c.line(
        system=system,
        messages=[user(u), a1, r1] if err is None else [user(u)],
        answer=answer,
        error=err,
        tools=[tool("rental_counter_find_reservation", "Find a rental booking", "main_driver")],
        metadata={"desk": "LHR-T5", "agent_name": P(c, agent, "metadata", "metadata")},
        tags=["rental", "counter"],
    )


@fam
def d2_event_planner(c: Ctx) -> dict:
    planner = full(c, "system", "system")
    system = (
        "You are Confetti, an event and wedding planning assistant. Keep the guest list, seating plan and "
        "supplier bookings in sync for the "
        f"{c.ok(c.choice(('Christmas Party', 'Summer Garden Party', 'Spring Gala')), 'system')} calendar. "
        f"Lead planner on this event: {planner}."
    )
    guests = names_list(c, "user")
    plus = c.pick(lambda: compound(c, "user"), lambda: nonlatin(c, "user"), lambda: titled(c, "user"))
    theme = c.ok(c.choice(("Rose gold", "Ivory", "Sage green", "Dusty Rose")), "user")
    cart = c.ok(c.choice(("Ben & Jerry's", "McDonald's", "Krispy Kreme")), "user")
    u = c.pick(
        f"{c.ok('Please', 'user')} add {guests} to table 4, and {plus} to the top table. {theme} napkins for all.",
        f"ok so {guests} confirmed, {plus} is a maybe. also can the dessert cart be {cart}?",
        f"{c.ok('Quick one', 'user')}: swap {plus} and {guests} between tables 2 and 5, "
        f"{c.ok('Will', 'user')} the {theme} centrepieces still fit?",
        f"{first(c, 'user', 'opening')} here again - RSVPs: {guests} yes, {plus} no",
    )
    gname = full(c, "tool_args", "json")
    a1, cid = call(
        c,
        "confetti_sync_guest_list",
        {"event_id": c.ids("evt_"), "guests": [{"guest_name": gname, "table": 4, "diet": "veg"}]},
    )
    host = c.pick(lambda: full(c, "tool_result", "json"), lambda: nonlatin(c, "tool_result"))
    r1 = result(
        cid,
        {
            "ok": True,
            "menu": c.ok(c.choice(("Summer Menu", "Chef's Table", "Kids Menu")), "tool_result"),
            "host": host,
            "seated": 42,
            "venue": c.ok("Victoria Station", "tool_result") + " Hotel",
        },
    )
    answer = c.pick(
        lambda: (
            f"Done! Table 4 is full now. {c.ok('Heads up', 'assistant')}: {first(c, 'assistant')} from catering "
            "needs final numbers by Friday."
        ),
        lambda: (
            "Updated the list. The venue contact is "
            f"{P(c, planner.split()[0], 'assistant', 'first')} if you want to check the seating."
        ),
    )
    fb = c.pick(
        lambda: {
            "rating": rating(c),
            "comment": f"{full(c, 'feedback', 'feedback')} was seated twice, please fix",
        },
        lambda: {"rating": 5, "comment": f"thank you, {first(c, 'feedback', 'feedback')} loved the plan"},
    )
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=answer,
        feedback=fb,
        tools=[tool("confetti_sync_guest_list", "Update the guest list", "event_id", "guests")],
        metadata={"planner": P(c, planner, "metadata", "metadata"), "phone": c.phone("metadata")},
    )


@fam
def d2_crm_notes(c: Ctx) -> dict:
    am = full(c, "system", "system")
    product = c.ok(c.choice(PRODUCTS), "system")
    system = (
        "You are the notes assistant built into a SaaS CRM. Summarise account activity and draft follow-ups. "
        f"The customer's account manager is {am}; the account is on {product}."
    )
    acct = c.ok(c.choice(COMPANIES), "user")
    u = c.pick(
        f"summarise the last 3 notes on {acct} and tag {handle(c, 'user')} for the renewal",
        f"{c.ok('Mark as read', 'user')} and draft a follow-up to {full(c, 'user', 'first')} at {acct}",
        f"what did {lower(c, 'user')} say on the last call with {acct}?",
    )
    pre = c.pick(
        lambda: [
            user(f"who owns {acct}?"),
            assistant(
                f"{P(c, am, 'assistant', 'full')} owns it; {c.ok('Customer Success', 'assistant')} is "
                f"{full(c, 'assistant', 'full')}."
            ),
        ],
        lambda: [],
    )
    a1, cid = call(c, "crm_notes_contact_search", {"account": acct, "limit": 3})
    contact_f, contact_l = c.person(loc_of(c))
    contact = P(c, f"{contact_f} {contact_l}", "tool_result", "json")
    r1 = result(
        cid,
        [
            {"contact": contact, "email": c.email("tool_result", contact_f, contact_l), "role": "Head of IT"},
            {"contact": compound(c, "tool_result"), "role": c.ok("Customer Success", "tool_result")},
        ],
    )
    ctx = [
        {
            "source": "crm_note",
            "text": f"{handle(c, 'context')} call with {P(c, contact_f, 'context', 'context')} - wants "
            f"{c.ok('SAML SSO', 'context')} before renewal. Owner: {full(c, 'context', 'context')}.",
        },
        {
            "source": "crm_note",
            "text": f"created_by: {full(c, 'context', 'context')} | {plain_date(c.rng)} | pricing sent",
        },
    ]
    answer = c.pick(
        lambda: (
            f"{contact_f} asked for SSO before renewing; pricing went out. I'd suggest "
            f"{P(c, am.split()[0], 'assistant', 'first')} books a call this week."
        ),
        lambda: (
            f"Draft:\n\nHi {P(c, contact_f, 'assistant', 'first')}, following up on SSO - "
            f"{P(c, am.split()[0], 'assistant', 'possessive')}'s team can enable it on your tenant."
        ),
    )
    if answer.startswith(contact_f):
        P(c, contact_f, "assistant", "first")
    return c.line(
        system=system,
        messages=[*pre, user(u), a1, r1],
        answer=answer,
        context=ctx,
        tools=[tool("crm_notes_contact_search", "Search contacts of an account", "account", "limit")],
        metadata={"account_owner": P(c, am, "metadata", "metadata"), "crm_region": "eu-central-1"},
        tags=["crm", "notes", f"owner:{handle(c, 'tags')[1:]}"],
    )


@fam
def d2_gym_front_desk(c: Ctx) -> dict:
    gym = c.ok(c.choice(("PureFit Lincoln Road", "Anytime Fitness Victoria", "CityGym Amsterdam")), "system")
    trainer = full(c, "system", "system")
    system = (
        f"GymDesk, the front-desk assistant of {gym}. Check members in, freeze or cancel memberships and book classes. "
        f"Head trainer: {trainer}. Do not discuss other members' details."
    )
    desk = first(c, "user", "opening")
    member = lower(c, "user")
    u = c.pick(
        f"{desk} speaking, front desk. member {member} forgot her card, can you check her in?",
        f"it's {desk} on reception - {member} wants to freeze for {c.ok('Summer', 'user')}, "
        f"{c.ok('Grace period', 'user')} still applies?",
        f"{desk} here. {poss(c, 'user')} membership shows expired but they paid by {c.ok('Apple Pay', 'user')}",
    )
    key = c.choice(("member_name", "mitglied", "lid", "socio", "membre"))
    mname = full(c, "tool_args", "json")
    a1, cid = call(c, "gym_desk_check_in", {key: mname, "site": gym})
    r1 = result(
        cid,
        {
            key: P(c, mname, "tool_result", "json"),
            "plan": c.ok(c.choice(("Off-Peak", "Night Shift", "Spin class pack")), "tool_result"),
            "dob": c.dob("tool_result"),
            "trainer": P(c, trainer, "tool_result", "json"),
        },
    )
    answer = c.pick(
        lambda: f"Checked in. {c.ok('Thanks', 'assistant')} {P(c, desk, 'assistant', 'first')}!",
        lambda: (
            f"{P(c, trainer.split()[0], 'assistant', 'possessive')}'s 18:00 class has 3 spaces left if they want one."
        ),
    )
    fb = c.pick(
        lambda: {
            "rating": 1,
            "comment": f"{first(c, 'feedback', 'feedback')} at the desk had to do it manually",
        },
        lambda: {"rating": 5, "comment": f"quick, and {full(c, 'feedback', 'feedback')} was happy"},
        lambda: None,
    )
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=answer,
        feedback=fb,
        tools=[tool("gym_desk_check_in", "Check a member in", key, "site")],
        metadata={
            "device": c.ok(c.choice(SOFTWARE), "metadata"),
            "desk_user": P(c, desk, "metadata", "metadata"),
        },
    )


@fam
def d2_visa_helper(c: Ctx) -> dict:
    adviser = titled(c, "system")
    system = (
        "Visa application helper: guide applicants through the online form, check that names match the "
        "passport exactly, and list the supporting documents"
        f" ({c.ok(c.choice(('Schengen short-stay', 'Standard Visitor', 'Working Holiday')), 'system')} visas). "
        "Senior adviser for appeals: "
        f"{adviser}."
    )
    gf, gl = c.person(loc_of(c))
    app = c.pick(
        lambda: compound(c, "user"),
        lambda: nonlatin(c, "user"),
        lambda: P(c, f"{gf} {gl}", "user", "opening"),
        lambda: P(c, f"{gf} {gl}", "user", "opening"),
    )
    u = c.pick(
        f"Hello, my name is {app}. {c.ok('Schengen Area', 'user')} visa - my passport spells my surname differently, "
        "what do I write?",
        f"{app} here. My sponsor is {titled(c, 'user')}, is the invitation letter enough? "
        f"{c.ok('Please', 'user')} advise.",
        f"hi, im filling the form for my wife {lower(c, 'user')} and me ({app})",
        f"{c.ok('Urgent', 'user')} - appointment at {c.ok('the Paris region', 'user')} consulate tomorrow. "
        f"{app}, travelling with {names_list(c, 'user')}. Do the kids need their own form?",
    )
    a1, cid = call(
        c,
        "visa_helper_prefill_form",
        {
            "surname": P(c, gl, "tool_args", "json"),
            "given_names": P(c, gf, "tool_args", "json"),
            "passport_no": c.passport("tool_args"),
        },
    )
    r1 = result(
        cid,
        {
            "form": "C-VISA-2026",
            "applicant_name_mrz": P(c, f"{_ascii(gl).upper()}<<{_ascii(gf).upper()}", "tool_result", "json")
            if _ascii(gl) and _ascii(gf)
            else "UNKNOWN",
            "sponsor": full(c, "tool_result", "json"),
            "consulate": c.ok("Consulate General", "tool_result"),
        },
    )
    answer = c.pick(
        lambda: (
            "Write your name exactly as on the passport's data page. "
            f"{c.ok('Hope this helps', 'assistant')} - {P(c, adviser.split(' ', 1)[1], 'assistant', 'title')} can check it "
            "before you submit."
        ),
        lambda: (
            f"{c.ok('Thanks', 'assistant')}, {P(c, gf, 'assistant', 'first')}. The invitation letter plus bank statements "
            "for 3 months are enough."
        ),
    )
    return c.line(
        system=system,
        messages=[user(u), a1, r1],
        answer=answer,
        tools=[
            tool("visa_helper_prefill_form", "Prefill the visa form", "surname", "given_names", "passport_no")
        ],
        metadata={"case_worker": full(c, "metadata", "metadata"), "lang": c.loc},
    )


@fam
def d2_recruiting(c: Ctx) -> dict:
    recruiter = full(c, "system", "system")
    team = c.ok(c.choice(("Talent Acquisition", "People Ops", "Customer Success")), "system")
    system = (
        f"TalentLoop interview scheduler for the {team} team. Coordinate panels, send calendar holds and keep "
        f"the ATS up to date. Recruiter owning these requisitions: {recruiter}."
    )
    cand_f, cand_l = c.person(loc_of(c))
    panel = names_list(c, "user")
    u = c.pick(
        f"pls set up a panel for {P(c, f'{cand_f} {cand_l}', 'user', 'full')} with {panel} next week. "
        f"cc {handle(c, 'user')}",
        f"{c.ok('Will you', 'user')} move {P(c, cand_f, 'user', 'possessive')}'s onsite? {panel} can't do {c.ok('Thursday', 'user')}",
        f"candidate {lower(c, 'user')} accepted, schedule the final with {panel}",
    )
    hm = full(c, "tool_args", "json")
    a1, cid = call(
        c,
        "ats_book_interview_panel",
        {
            "candidate": P(c, f"{cand_f} {cand_l}", "tool_args", "json"),
            "hiring_manager": hm,
            "duration_min": 45,
        },
    )
    r1 = result(
        cid,
        {
            "status": "holds_sent",
            "stage": c.ok(
                c.choice(("Hiring Manager Screen", "Final Round", "Take-home Review")), "tool_result"
            ),
            "assignee": P(c, recruiter, "tool_result", "json"),
            "candidate_email": c.email("tool_result", cand_f, cand_l),
        },
    )
    ctx = c.pick(
        lambda: [
            {
                "source": "ats_scorecard",
                "text": f"Scorecard by {full(c, 'context', 'context')}: strong system design, "
                f"{c.ok('Jack of all trades', 'context')} profile. Referred by {compound(c, 'context')}.",
            }
        ],
        lambda: [
            {"source": "ats_note", "text": f"{handle(c, 'context')} please chase references for {cand_f}"}
        ],
    )
    if ctx[0]["source"] == "ats_note":
        P(c, cand_f, "context", "context")
    answer = c.pick(
        lambda: (
            f"Holds sent for {P(c, cand_f, 'assistant', 'first')} - 45 minutes with the panel and "
            f"{P(c, hm.split()[0], 'assistant', 'first')}."
        ),
        lambda: (
            f"{c.ok('Sure', 'assistant')}. I've sent new holds; "
            f"{P(c, recruiter.split()[0], 'assistant', 'possessive')}'s calendar is the constraint."
        ),
    )
    pre = c.pick(
        lambda: [
            user(f"{handle(c, 'user')} asked me to sort the interviews for the backend role"),
            assistant(f"{c.ok('Sure thing', 'assistant')} - which candidate and who is on the panel?"),
        ],
        lambda: [],
        lambda: [],
    )
    err = None
    if c.rng.random() < 0.15:
        err = {
            "type": "upstream_error",
            "code": 403,
            "message": f"calendar API: service account may not read "
            f"{P(c, recruiter.split()[0], 'error', 'possessive')}'s calendar ({c.ok('Talent Acquisition', 'error')})",
        }
    return c.line(
        system=system,
        messages=[*pre, user(u), a1, r1],
        answer=answer,
        error=err,
        context=ctx,
        tools=[
            tool(
                "ats_book_interview_panel", "Schedule a panel", "candidate", "hiring_manager", "duration_min"
            )
        ],
        feedback=c.pick(
            lambda: {"rating": 2, "comment": f"it booked {first(c, 'feedback', 'feedback')} twice"},
            lambda: None,
        ),
    )


@fam
def d2_library(c: Ctx) -> dict:
    librarian = first(c, "system", "system")
    system = (
        "Ask-a-Librarian assistant of a public library network. Renew loans, place holds and answer questions "
        f"about opening hours. Librarian on the chat rota today: {librarian}."
    )
    opener = c.pick(
        lambda: f"{first(c, 'user', 'opening')} here",
        lambda: f"hi, this is {lower(c, 'user')}",
        lambda: f"Hello, it's {full(c, 'user', 'opening')}",
        lambda: f"{nonlatin(c, 'user')} here",
    )
    pre = c.pick(
        lambda: [
            user("hello?"),
            assistant(
                f"Hello! You're chatting with the library. {c.ok('May I', 'assistant')} have your name and "
                "card number?"
            ),
        ],
        lambda: [],
    )
    card = str(c.rng.randint(10**9, 10**10 - 1))
    u = c.pick(
        f"{opener}, card {card}. can you renew everything? also my son {poss(c, 'user')} card is blocked",
        f"{opener}. Is the {c.ok('Reading Room', 'user')} open on {c.ok('Sunday', 'user')}?",
        f"{opener} - I'd like to put a hold on the new {c.ok('Lonely Planet', 'user')} guide for my neighbour "
        f"{titled(c, 'user')}\n\nThanks,\n{sig(c, 'user')}",
    )
    bkey = c.choice(("borrower", "lener", "lecteur", "Leser", "lettore"))
    bor = full(c, "tool_args", "json")
    a1, cid = call(c, "ask_librarian_renew_loans", {"card_number": card, bkey: bor})
    r1 = result(
        cid,
        {
            bkey: P(c, bor, "tool_result", "json"),
            "renewed": 3,
            "email_on_file": c.email("tool_result"),
            "branch": c.ok(
                c.choice(("Victoria Station branch", "Central Library", "Quiet Study")), "tool_result"
            ),
        },
    )
    answer = c.pick(
        lambda: (
            f"{c.ok('Done', 'assistant')}! 3 items renewed until {plain_date(c.rng)}. "
            f"{P(c, librarian, 'assistant', 'first')} will unblock the other card."
        ),
        lambda: f"{c.ok('Yes', 'assistant')}, 10:00-16:00. — {P(c, librarian, 'assistant', 'signature')}",
    )
    fb = c.pick(
        lambda: {"rating": 5, "comment": f"{first(c, 'feedback', 'feedback')} on chat was brilliant"},
        lambda: {"rating": 3, "comment": f"ask {nonlatin(c, 'feedback')} to call me back"},
        lambda: None,
    )
    return c.line(
        system=system,
        messages=[*pre, user(u), a1, r1],
        answer=answer,
        feedback=fb,
        tools=[tool("ask_librarian_renew_loans", "Renew loans of a card", "card_number", bkey)],
        metadata={
            "chat_librarian": P(c, librarian, "metadata", "metadata"),
            "browser": c.ok("Chrome 131", "metadata"),
        },
    )
