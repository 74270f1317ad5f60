"""The leak test (issue 14, items 4 and 6): every query and command of
`Desk`, and every command line command that lists or shows, walked for
every kind of user, over one desk with two teams, a private pipeline, a
view-only one, tickets of every owner, mail, notifications and an
automation log. Each user must see exactly what U2 and P6 allow, no more
and no less; edit and delete follow what the user may see (U2); a
refusal of a ticket one may not see says what a ticket that does not
exist says (U3: nothing to be learnt from it).

The walks are tables, one entry per public method of `Desk` and per leaf
command of `pipedesk`: a new one the tables do not name fails the test,
so it must say what it shows to whom before it ships.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from functools import partial
from pathlib import Path
from typing import Any

import click
import pytest
from cli_fixtures import Result
from core_fixtures import ADMIN, STORES, MutableClock, refusal, reopen, stored

from core import Actor, Desk, DeskError, open_desk
from core.access import edit_refusal
from core.automation.actions import Notify
from core.mail.intake import take_in
from core.model import Team, User, Visibility
from core.stage_edits import RenameStage
from core.store import MemoryStore

SUPPORT_MAIL = "support@pipedesk.example"
BILLING_MAIL = "billing@pipedesk.example"
KARI = "kari@example.no"

# Distinctive labels: a private pipeline's label or stage label in an
# output is a leak as much as one of its tickets is.
BILLING = "Billing vault"
BILLING_STAGE = "Vault intake"
SALES = "Sales floor"

# -- the people: every visibility (U2), two teams, an administrator -------------------

AGENTS: dict[str, tuple[Visibility, bool]] = {
    "alice": ("all", True),
    "ingrid": ("team", True),     # team support, unassigned too
    "sven": ("own", True),        # own, unassigned too
    "olav": ("own", False),       # own only
    "bob": ("team", False),       # team billing, no unassigned; the one who edits billing
    "berit": ("all", True),       # team billing: may view billing, not edit it
}
USERS = ("admin", *AGENTS)
TEAMS = {"support": ["ingrid", "sven"], "billing": ["bob", "berit"]}

# -- the tickets: key -> (pipeline, owner, team, contact) --------------------------------
# Their subjects are f"{key}-SUBJ": searched for in every output.

TICKETS: dict[str, tuple[str, str | None, str | None, str | None]] = {
    "S_INGRID": ("support", "ingrid", None, KARI),
    "S_SVEN": ("support", "sven", None, None),
    "S_OLAV": ("support", "olav", None, None),
    "S_ALICE": ("support", "alice", None, None),
    "S_BOB": ("support", "bob", None, None),
    "S_BERIT": ("support", "berit", None, None),
    "S_NONE": ("support", None, None, KARI),
    "S_TEAM_BILLING": ("support", None, "billing", None),
    "S_TEAM_SUPPORT": ("support", "alice", "support", None),
    "B_NONE": ("billing", None, None, None),
    "B_INGRID": ("billing", "ingrid", None, KARI),
    "X_OLAV": ("sales", "olav", None, None),
    "X_NONE": ("sales", None, None, None),
}
# Made otherwise: B_MAIL by mail into billing (then given to bob), with a
# reply from Kari threading into it; M_MOVED made in billing and moved to
# support for sven; D_GONE made in support for sven, then deleted.
LIVE = (*TICKETS, "B_MAIL", "M_MOVED")

SUPPORT_ALL = {k for k in LIVE if k.startswith("S_")} | {"M_MOVED"}
EVERYTHING = set(LIVE)

# U2 and P6, worked out by hand: what each user sees.
SEES: dict[str, set[str]] = {
    "admin": EVERYTHING,
    "berit": EVERYTHING,
    "alice": SUPPORT_ALL | {"X_OLAV", "X_NONE"},
    # S_TEAM_BILLING has no owner, but it is given to a team: not unassigned.
    "ingrid": {"S_INGRID", "S_SVEN", "S_NONE", "S_TEAM_SUPPORT", "M_MOVED", "X_NONE"},
    "sven": {"S_SVEN", "S_NONE", "M_MOVED", "X_NONE"},
    "olav": {"S_OLAV", "X_OLAV"},
    "bob": {"S_BOB", "S_BERIT", "S_TEAM_BILLING", "B_MAIL"},
}
# P6: the pipelines each user may view, and edit.
VIEWS = {u: {"support", "sales"} for u in USERS} | {
    "admin": {"support", "billing", "sales"}, "bob": {"support", "billing", "sales"},
    "berit": {"support", "billing", "sales"}}
EDITS = {"admin": {"support", "billing", "sales"}, "bob": {"support", "billing"},
         "berit": {"support"}, "alice": {"support"}, "olav": {"support"},
         "ingrid": {"support", "sales"}, "sven": {"support", "sales"}}
# A4b: whom the automation notified of which ticket (whether or not they
# may see it); the notifications they are shown are those of tickets they see.
# A4b, P6: the team notified in the private pipeline includes ingrid and
# sven, who may not view it: they are told nothing, then or later.
NOTIFIED = {"ingrid": set(),
            "sven": set(),
            # B_MAIL came in owned by nobody, which bob (team, no
            # unassigned) did not see then: he was not told of it.
            "bob": set(),
            "berit": {"B_MAIL", "B_NONE", "B_INGRID", "M_MOVED"},
            "olav": {"S_INGRID", "S_OLAV", "D_GONE"}}
# A6: the tickets actions ran on, and the pipeline they ran in.
RAN = {"B_MAIL": "billing", "B_NONE": "billing", "B_INGRID": "billing", "M_MOVED": "billing",
       "S_INGRID": "support", "S_OLAV": "support", "D_GONE": "support"}


def subject(key: str) -> str:
    return f"{key}-SUBJ"


@dataclass
class World:
    desk: Desk
    ids: dict[str, str]          # ticket key -> id (D_GONE's too)
    pipelines: dict[str, str]    # support/billing/sales -> id
    billing_stage: str           # the id of billing's first stage
    actors: dict[str, Actor]

    def key_of(self, ticket_id: str) -> str:
        return next(k for k, v in self.ids.items() if v == ticket_id)

    def keys(self, ticket_ids: Any) -> set[str]:
        return {self.key_of(t) for t in ticket_ids}


def mail_with_attachment(subject_: str, message_id: str, in_reply_to: str | None = None,
                         ) -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = f"Kari Nordmann <{KARI}>", BILLING_MAIL, \
        subject_
    mail["Message-ID"] = message_id
    if in_reply_to is not None:
        mail["In-Reply-To"] = in_reply_to
    mail.set_content("MAIL-BODY-TEXT\n")
    mail.add_attachment(b"SECRET-ATTACHMENT", maintype="application", subtype="octet-stream",
                        filename="invoice.bin")
    return mail.as_bytes()


def message_to(address: str) -> bytes:
    return (f"From: {KARI}\nTo: {address}\nSubject: Q_LOST-SUBJ\nMessage-ID: <q@example.no>\n"
            "\nWhere does this go?\n").encode()


def build(desk: Desk) -> World:
    """The desk of the module docstring, made as an administrator would."""
    desk.add_users([User(id=u, name=u.title(), email=f"{u}@pipedesk.example",
                         visibility=vis, unassigned=unassigned)
                    for u, (vis, unassigned) in AGENTS.items()], ADMIN)
    desk.add_teams([Team(id=t, name=t.title(), members=m) for t, m in TEAMS.items()], ADMIN)
    billing = desk.create_pipeline(BILLING, ADMIN).id
    sales = desk.create_pipeline(SALES, ADMIN).id
    desk.set_pipeline_access(billing, ADMIN, view=["team:billing"], edit=["user:bob"])
    desk.set_pipeline_access(sales, ADMIN, view=None, edit=["team:support"])
    first = desk.pipeline(billing, ADMIN).stages[0].id
    desk.edit_stages(billing, [RenameStage(first, BILLING_STAGE)], ADMIN)
    desk.add_channel(SUPPORT_MAIL, "0", ADMIN)
    desk.add_channel(BILLING_MAIL, billing, ADMIN)
    desk.add_action(billing, first, Notify(team="support"), ADMIN)
    desk.add_action(billing, first, Notify(team="billing"), ADMIN)
    desk.add_action("0", "Waiting on us", Notify(user="olav"), ADMIN)
    pipelines = {"support": "0", "billing": billing, "sales": sales}
    ids: dict[str, str] = {}
    for key, (where, owner, team, contact) in TICKETS.items():
        values = {k: v for k, v in (("owner", owner), ("team", team)) if v is not None}
        stage = first if where == "billing" else "New"
        ids[key] = desk.create_ticket(ADMIN, pipelines[where], stage, subject(key),
                                      contact=contact, values=values).id
    # Mail into the private pipeline, and Kari's answer threading into it.
    made = take_in(desk, mail_with_attachment(subject("B_MAIL"), "<b1@example.no>"))
    assert made.outcome == "created" and made.ticket is not None
    ids["B_MAIL"] = made.ticket
    desk.edit_ticket(made.ticket, {"owner": "bob"}, ADMIN)
    answer = take_in(desk, mail_with_attachment(f"Re: {subject('B_MAIL')}", "<b2@example.no>",
                                                in_reply_to="<b1@example.no>"))
    assert (answer.outcome, answer.ticket) == ("appended", made.ticket), answer
    desk.add_note(made.ticket, "NOTE-B_MAIL-TEXT", ADMIN)
    desk.reply(ids["S_INGRID"], "REPLY-S_INGRID-TEXT", ADMIN)
    ids["M_MOVED"] = desk.create_ticket(ADMIN, billing, first, subject("M_MOVED")).id
    desk.move_ticket(ids["M_MOVED"], "New", ADMIN, pipeline="0", values={"owner": "sven"})
    for key in ("S_INGRID", "S_OLAV"):
        desk.move_ticket(ids[key], "Waiting on us", ADMIN)
    ids["D_GONE"] = desk.create_ticket(ADMIN, "0", "Waiting on us", subject("D_GONE"),
                                       values={"owner": "sven"}).id
    desk.delete_ticket(ids["D_GONE"], ADMIN)
    # The quarantine: mail for the private pipeline's channel that will not
    # parse, and mail no channel takes (its reason lists the channels).
    kept = take_in(desk, f"To: {BILLING_MAIL}\nSubject: Q_BILLING-SUBJ\n\nno sender\n".encode(),
                   channel=BILLING_MAIL)
    lost = take_in(desk, message_to("nobody@pipedesk.example"))
    assert (kept.outcome, lost.outcome) == ("quarantined", "quarantined")
    assert BILLING_MAIL in lost.reason
    actors = {u: Actor.user(u) for u in USERS}
    return World(desk, ids, pipelines, first, actors)


@pytest.fixture
def world(desk: Desk) -> World:
    """The desk, built fresh for a test that changes it."""
    return build(desk)


@pytest.fixture(scope="module", params=STORES)
def seen(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> World:
    """The desk, built once per store for the tests that only read it or
    are refused (each of those checks that nothing was written)."""
    if request.param == "memory":
        return build(Desk(MemoryStore(), clock=MutableClock()))
    return build(open_desk(tmp_path_factory.mktemp("seen") / "desk", clock=MutableClock()))


# -- what may be seen ---------------------------------------------------------------------


def editable(user: str, key: str) -> bool:
    return pipeline_of(key) in EDITS[user]


def pipeline_of(key: str) -> str:
    if key == "B_MAIL":
        return "billing"
    if key in ("M_MOVED", "D_GONE"):
        return "support"
    return TICKETS[key][0]


def logged(user: str) -> set[str]:
    """A6: the runs a user finds in the automation log: of a ticket they see
    now, run in a pipeline they may view; of a ticket since deleted, only
    for those who see every ticket of the pipeline it ran in (U2 "all")."""
    found = {k for k, p in RAN.items() if k in SEES[user] and p in VIEWS[user]}
    if user in ("admin", "alice", "berit"):
        found.add("D_GONE")
    return found


def missing_words(err: DeskError, ref: str, missing: str, call: Callable[[str], object]) -> None:
    """U3: the refusal of what one may not see says what the refusal of
    what does not exist says."""
    with pytest.raises(DeskError) as none:
        call(missing)
    assert err.message.replace(ref, "?") == none.value.message.replace(missing, "?")


def refused_as_missing(call: Callable[[str], object], ref: str, missing: str = "999") -> None:
    with pytest.raises(DeskError) as info:
        call(ref)
    missing_words(info.value, ref, missing, call)


# -- the walk of Desk: one entry per public method ----------------------------------------
#
# Each entry is (kind, walk). kind says what the method shows to whom:
#   "sees"      a query of tickets or pipelines: walk(w, user) asserts what `user` gets;
#   "ticket"    a command on one ticket: walk(w, actor, ticket_id) calls it (the walk
#               checks the refusals: "No ticket" where unseen, P6's reason where view-only);
#   "settings"  administrators only: walk(w, actor) calls it; every agent is refused;
#   "anyone"    desk-wide facts any active user may read (users, contacts ...), or a
#               change any user may make that names no ticket: walk(w, actor) calls it;
#   "desk"      no acting user: the desk itself (mail in, automation, the store); the
#               entry's walk is None and the reason is in the comment beside it.

Walk = Callable[..., object]


def _sees_pipelines(w: World, user: str) -> None:
    desk, actor = w.desk, w.actors[user]
    assert {p.id for p in desk.pipelines(actor)} == {w.pipelines[p] for p in VIEWS[user]}


def _sees_pipeline(w: World, user: str) -> None:
    desk, actor = w.desk, w.actors[user]
    for name, pid in w.pipelines.items():
        if name in VIEWS[user]:
            assert desk.pipeline(pid, actor).id == pid
            assert desk.pipeline(desk.pipeline(pid, ADMIN).label, actor).id == pid
        else:
            refused_as_missing(lambda ref: desk.pipeline(ref, actor), pid)
            refused_as_missing(lambda ref: desk.pipeline(ref, actor), BILLING, "Nowhere")
    with refusal() as info:
        desk.pipeline("999", actor)
    if "billing" not in VIEWS[user]:
        assert BILLING not in info.value.message  # not among the pipelines it lists


def _sees_stage(w: World, user: str) -> None:
    desk, actor = w.desk, w.actors[user]
    if "billing" in VIEWS[user]:
        assert desk.stage(w.billing_stage, actor)[1].label == BILLING_STAGE
        assert desk.stage(BILLING_STAGE, actor)[1].id == w.billing_stage
    else:
        refused_as_missing(lambda ref: desk.stage(ref, actor), w.billing_stage)
        refused_as_missing(lambda ref: desk.stage(ref, actor), BILLING_STAGE, "Nowhere")
        refused_as_missing(lambda ref: desk.stage("New", actor, within=ref), w.pipelines["billing"])


def _sees_tickets(w: World, user: str) -> None:
    desk, actor = w.desk, w.actors[user]
    assert w.keys(t.id for t in desk.tickets(actor)) == SEES[user]
    for name, pid in w.pipelines.items():
        if name not in VIEWS[user]:
            refused_as_missing(lambda ref: desk.tickets(actor, pipeline=ref), pid)
            refused_as_missing(lambda ref: desk.tickets(actor, stage=ref), w.billing_stage)
            continue
        for stage in desk.pipeline(pid, ADMIN).stages:
            expected = {k for k in SEES[user] if pipeline_of(k) == name
                        and desk.ticket(w.ids[k], ADMIN).stage == stage.id}
            got = desk.tickets(actor, pipeline=pid, stage=stage.id)
            assert w.keys(t.id for t in got) == expected, (user, stage.label)
            assert w.keys(t.id for t in desk.tickets(actor, stage=stage.id)) == expected
        assert w.keys(t.id for t in desk.tickets(actor, pipeline=pid)) == {
            k for k in SEES[user] if pipeline_of(k) == name}


def _sees_ticket(w: World, user: str) -> None:
    desk, actor = w.desk, w.actors[user]
    for key, tid in w.ids.items():
        if key in SEES[user]:
            assert desk.ticket(tid, actor).subject == subject(key)
        else:
            with refusal() as info:
                desk.ticket(tid, actor)
            assert info.value.message == f"No ticket #{tid}."


def _sees_stage_counts(w: World, user: str) -> None:
    desk, actor = w.desk, w.actors[user]
    for name, pid in w.pipelines.items():
        if name not in VIEWS[user]:
            refused_as_missing(lambda ref: desk.stage_counts(ref, actor), pid)
            continue
        counts = desk.stage_counts(pid, actor)
        expected = {s.id: 0 for s in desk.pipeline(pid, ADMIN).stages}
        for key in SEES[user]:
            if pipeline_of(key) == name:
                expected[desk.ticket(w.ids[key], ADMIN).stage] += 1
        assert counts == expected, (user, name)


def _per_ticket(read: Callable[[Desk, str, Actor], object]) -> Callable[[World, str], None]:
    """A query of one ticket: what it says of one a user sees, "No ticket"
    for one they do not, in the words of a ticket that does not exist."""

    def walk(w: World, user: str) -> None:
        actor = w.actors[user]
        for key, tid in w.ids.items():
            if key in SEES[user]:
                read(w.desk, tid, actor)
            else:
                with refusal() as info:
                    read(w.desk, tid, actor)
                assert info.value.message.startswith(f"No ticket #{tid}."), info.value.message
    return walk


def _sees_timeline(w: World, user: str) -> None:
    _per_ticket(lambda d, t, a: d.timeline(t, a))(w, user)
    # M_MOVED began in the private pipeline: its timeline says so only to
    # those who may view that pipeline (P6: its label is not shown).
    said = json.dumps([i.as_dict() for i in w.desk.timeline(w.ids["M_MOVED"], w.actors[user])]
                      ) if "M_MOVED" in SEES[user] else ""
    if "billing" in VIEWS[user]:
        assert BILLING in said or not said
    else:
        assert BILLING not in said and BILLING_STAGE not in said, said


def _sees_conversation(w: World, user: str) -> None:
    _per_ticket(lambda d, t, a: d.conversation(t, a))(w, user)
    if "B_MAIL" in SEES[user]:
        items = w.desk.conversation(w.ids["B_MAIL"], w.actors[user])
        # The answer threaded in (the mail lands whoever may see it).
        assert [i.direction for i in items] == ["in", "in", "note"]


def _sees_attachment(w: World, user: str) -> None:
    desk, actor, tid = w.desk, w.actors[user], w.ids["B_MAIL"]
    if "B_MAIL" in SEES[user]:
        assert desk.attachment(tid, 2, 1, actor) == ("invoice.bin", b"SECRET-ATTACHMENT")
    else:
        with refusal() as info:
            desk.attachment(tid, 2, 1, actor)
        assert info.value.message == f"No ticket #{tid}."


def _sees_notifications(w: World, user: str) -> None:
    desk, actor = w.desk, w.actors[user]
    shown = desk.notifications(actor)
    expected = NOTIFIED.get(user, set()) & SEES[user]
    assert w.keys(n.ticket for n in shown) == expected, user
    assert len(shown) == len(expected)  # one notification per ticket here
    for n in shown:
        assert all(subject(k) not in n.text for k in EVERYTHING - SEES[user])


def _sees_unread_count(w: World, user: str) -> None:
    assert w.desk.unread_count(w.actors[user]) == len(NOTIFIED.get(user, set()) & SEES[user])


def _sees_is_unread(w: World, user: str) -> None:
    actor = w.actors[user]
    assert all(w.desk.is_unread(n, actor) for n in w.desk.notifications(actor))


def _sees_automation_log(w: World, user: str) -> None:
    desk, actor = w.desk, w.actors[user]
    every = desk.automation_log(actor)
    assert w.keys(i.ticket for i in every) == logged(user), user
    if "billing" not in VIEWS[user]:
        assert all(BILLING not in i.pipeline and BILLING_STAGE not in i.stage for i in every)
    for name, pid in w.pipelines.items():
        if name in VIEWS[user]:
            assert w.keys(i.ticket for i in desk.automation_log(actor, pipeline=pid)) == {
                k for k in logged(user) if RAN[k] == name}
        else:
            refused_as_missing(lambda ref: desk.automation_log(actor, pipeline=ref), pid)
    for key in RAN:
        tid = w.ids[key]
        if key in SEES[user]:
            assert w.keys(i.ticket for i in desk.automation_log(actor, ticket=tid)) <= {key}
        else:
            with refusal() as info:
                desk.automation_log(actor, ticket=tid)
            assert info.value.message == f"No ticket #{tid}."


def _sees_find_tickets(w: World, user: str) -> None:
    """Issue 17: a query finds what the user sees, by any field or text."""
    desk, actor = w.desk, w.actors[user]
    assert w.keys(t.id for t in desk.find_tickets("", actor)) == SEES[user]
    assert w.keys(t.id for t in desk.find_tickets("\"-subj\"", actor)) == SEES[user]
    # Free text in a conversation: the note on B_MAIL, the reply on S_INGRID.
    for key, text in (("B_MAIL", "NOTE-B_MAIL-TEXT"), ("S_INGRID", "REPLY-S_INGRID-TEXT")):
        found = w.keys(t.id for t in desk.find_tickets(text, actor))
        assert found == ({key} if key in SEES[user] else set()), (user, key)


def _sees_tickets_per_contact(w: World, user: str) -> None:
    desk = w.desk
    expected = sum(1 for k in SEES[user] if desk.ticket(w.ids[k], ADMIN).contact == KARI)
    assert w.desk.tickets_per_contact(w.actors[user]).get(KARI, 0) == expected


def _sees_channels(w: World, user: str) -> None:
    expected = {SUPPORT_MAIL} | ({BILLING_MAIL} if "billing" in VIEWS[user] else set())
    assert {c.address for c in w.desk.channels(w.actors[user])} == expected


def _sees_quarantine(w: World, user: str) -> None:
    channels = {q.channel for q in w.desk.quarantine(w.actors[user])}
    assert channels == ({None, BILLING_MAIL} if "billing" in VIEWS[user] else {None})


def _stage_ref(w: World) -> str:
    return w.billing_stage


DESK_METHODS: dict[str, tuple[str, Walk | None]] = {
    # -- queries of what U2 and P6 narrow
    "pipelines": ("sees", _sees_pipelines),
    "pipeline": ("sees", _sees_pipeline),
    "stage": ("sees", _sees_stage),
    "tickets": ("sees", _sees_tickets),
    "find_tickets": ("sees", _sees_find_tickets),
    "ticket": ("sees", _sees_ticket),
    "stage_counts": ("sees", _sees_stage_counts),
    "timeline": ("sees", _sees_timeline),
    "conversation": ("sees", _sees_conversation),
    "attachment": ("sees", _sees_attachment),
    "notifications": ("sees", _sees_notifications),
    "unread_count": ("sees", _sees_unread_count),
    "is_unread": ("sees", _sees_is_unread),
    "automation_log": ("sees", _sees_automation_log),
    "tickets_per_contact": ("sees", _sees_tickets_per_contact),
    "channels": ("sees", _sees_channels),
    "quarantine": ("sees", _sees_quarantine),
    # -- commands on a ticket: edit and delete follow seeing (U2), and P6's edit
    "move_ticket": ("ticket", lambda w, a, t: w.desk.move_ticket(t, "Closed", a)),
    "edit_ticket": ("ticket", lambda w, a, t: w.desk.edit_ticket(t, {"priority": "high"}, a)),
    "delete_ticket": ("ticket", lambda w, a, t: w.desk.delete_ticket(t, a)),
    # T6: a bulk action is refused for a ticket as the one change would be
    # (tests/test_bulk.py: a refusal of one in many refuses the lot).
    "bulk_move": ("ticket", lambda w, a, t: w.desk.bulk_move([t], "Closed", a)),
    "bulk_edit": ("ticket", lambda w, a, t: w.desk.bulk_edit([t], {"priority": "high"}, a)),
    "bulk_delete": ("ticket", lambda w, a, t: w.desk.bulk_delete([t], a)),
    "reply": ("ticket", lambda w, a, t: w.desk.reply(t, "Hello", a)),
    "add_note": ("ticket", lambda w, a, t: w.desk.add_note(t, "A note", a)),
    # create_ticket and create_tickets: P6's edit, walked in their own test below.
    "create_ticket": ("create", None),
    "create_tickets": ("create", None),
    # A1: retried only as the quarantine shows it (P6), walked in
    # test_p6_the_quarantine_keeps_a_private_pipeline_s_channel_from_who_may_not_view_it.
    "retry_quarantined": ("create", None),
    # A4d: any user comments on an action, of a pipeline they may view.
    "comment_action": ("create", None),
    # -- desk-wide, for any active user: people, contacts, properties, templates,
    # where mail goes. U2 and P6 are about tickets and pipelines; these name none.
    "me": ("anyone", lambda w, a: w.desk.me(a)),
    "users": ("anyone", lambda w, a: w.desk.users(a)),
    "teams": ("anyone", lambda w, a: w.desk.teams(a)),
    "contacts": ("anyone", lambda w, a: w.desk.contacts(a)),
    "contact": ("anyone", lambda w, a: w.desk.contact(KARI, a)),
    "find_contacts": ("anyone", lambda w, a: w.desk.find_contacts("kari", a)),
    "add_contact": ("anyone", lambda w, a: w.desk.add_contact(f"{a.id}@example.no", a)),
    "add_contacts": ("anyone", lambda w, a: w.desk.add_contacts([], a)),
    "edit_contact": ("anyone", lambda w, a: w.desk.edit_contact(KARI, a, name="Kari N.")),
    "properties": ("anyone", lambda w, a: w.desk.properties(a)),
    "templates": ("anyone", lambda w, a: w.desk.templates(a)),
    "mail_settings": ("anyone", lambda w, a: w.desk.mail_settings(a)),
    "webhook_allow_list": ("anyone", lambda w, a: w.desk.webhook_allow_list(a)),
    "mark_notifications_read": ("anyone", lambda w, a: w.desk.mark_notifications_read(a)),
    # -- settings: administrators only (U1, P6, A4e)
    "create_pipeline": ("settings", lambda w, a: w.desk.create_pipeline("New one", a)),
    "rename_pipeline": ("settings", lambda w, a: w.desk.rename_pipeline(
        w.pipelines["billing"], "Renamed", a)),
    "reorder_pipeline": ("settings", lambda w, a: w.desk.reorder_pipeline(
        w.pipelines["billing"], 1, a)),
    "delete_pipeline": ("settings", lambda w, a: w.desk.delete_pipeline(
        w.pipelines["billing"], a)),
    "check_delete_pipeline": ("settings", lambda w, a: w.desk.check_delete_pipeline(
        w.pipelines["billing"], a)),
    "set_close_date_rule": ("settings", lambda w, a: w.desk.set_close_date_rule(
        w.pipelines["billing"], False, a)),
    "set_chat_rule": ("settings", lambda w, a: w.desk.set_chat_rule(
        w.pipelines["billing"], True, a)),
    "set_card_properties": ("settings", lambda w, a: w.desk.set_card_properties(
        w.pipelines["billing"], ["priority"], a)),
    "edit_stages": ("settings", lambda w, a: w.desk.edit_stages(
        w.pipelines["billing"], [RenameStage(w.billing_stage, "X")], a)),
    "preview_stage_edits": ("settings", lambda w, a: w.desk.preview_stage_edits(
        w.pipelines["billing"], [RenameStage(w.billing_stage, "X")], a)),
    "add_stage": ("settings", lambda w, a: w.desk.add_stage(
        w.pipelines["billing"], "Extra", "open", a)),
    "rename_stage": ("settings", lambda w, a: w.desk.rename_stage(_stage_ref(w), "X", a)),
    "reorder_stage": ("settings", lambda w, a: w.desk.reorder_stage(_stage_ref(w), 2, a)),
    "set_stage_state": ("settings", lambda w, a: w.desk.set_stage_state(
        _stage_ref(w), "closed", a)),
    "delete_stage": ("settings", lambda w, a: w.desk.delete_stage(_stage_ref(w), a)),
    "set_stage_property": ("settings", lambda w, a: w.desk.set_stage_property(
        _stage_ref(w), "priority", a)),
    "remove_stage_property": ("settings", lambda w, a: w.desk.remove_stage_property(
        _stage_ref(w), "priority", a)),
    "create_property": ("settings", lambda w, a: w.desk.create_property("plan", "text", a)),
    "edit_property": ("settings", lambda w, a: w.desk.edit_property("plan", a, label="P")),
    "archive_property": ("settings", lambda w, a: w.desk.archive_property("plan", a)),
    "add_action": ("settings", lambda w, a: w.desk.add_action(
        w.pipelines["billing"], w.billing_stage, Notify(owner=True), a)),
    "edit_action": ("settings", lambda w, a: w.desk.edit_action(
        w.pipelines["billing"], w.billing_stage, (0,), Notify(owner=True), a)),
    "remove_action": ("settings", lambda w, a: w.desk.remove_action(
        w.pipelines["billing"], w.billing_stage, (0,), a)),
    "move_action": ("settings", lambda w, a: w.desk.move_action(
        w.pipelines["billing"], w.billing_stage, (0,), 1, a)),
    "save_template": ("settings", lambda w, a: w.desk.save_template(
        w.desk.templates(ADMIN)[0], a, replacing=w.desk.templates(ADMIN)[0].name)),
    "delete_template": ("settings", lambda w, a: w.desk.delete_template("x", a)),
    "set_mail_delivery": ("settings", lambda w, a: w.desk.set_mail_delivery("smtp.x", a)),
    "stop_mail_delivery": ("settings", lambda w, a: w.desk.stop_mail_delivery(a)),
    "set_sender": ("settings", lambda w, a: w.desk.set_sender("a@b.example", a)),
    "allow_webhook_hosts": ("settings", lambda w, a: w.desk.allow_webhook_hosts([], a)),
    "add_channel": ("settings", lambda w, a: w.desk.add_channel(
        "new@pipedesk.example", w.pipelines["billing"], a)),
    "set_channel_create_tickets": ("settings", lambda w, a: w.desk.set_channel_create_tickets(
        BILLING_MAIL, False, a)),
    "remove_channel": ("settings", lambda w, a: w.desk.remove_channel(BILLING_MAIL, a)),
    "set_email_trigger": ("settings", lambda w, a: w.desk.set_email_trigger(
        w.pipelines["billing"], "email-sent", a, on=False)),
    "set_sla_target": ("settings", lambda w, a: w.desk.set_sla_target(
        w.pipelines["billing"], "urgent", a, respond="30m")),
    "set_sla_waiting": ("settings", lambda w, a: w.desk.set_sla_waiting(
        w.pipelines["billing"], [], a)),
    "add_users": ("settings", lambda w, a: w.desk.add_users(
        [User(id="x", name="X", email="x@pipedesk.example")], a)),
    "add_user": ("settings", lambda w, a: w.desk.add_user("x@pipedesk.example", "X", a)),
    "edit_user": ("settings", lambda w, a: w.desk.edit_user(a.id, a, visibility="all")),
    "deactivate_user": ("settings", lambda w, a: w.desk.deactivate_user("olav", a)),
    "add_teams": ("settings", lambda w, a: w.desk.add_teams([Team(id="x", name="X")], a)),
    "add_team": ("settings", lambda w, a: w.desk.add_team("X", a)),
    "rename_team": ("settings", lambda w, a: w.desk.rename_team("billing", "X", a)),
    "set_team_members": ("settings", lambda w, a: w.desk.set_team_members(
        "billing", a, add=[a.id])),
    "remove_team": ("settings", lambda w, a: w.desk.remove_team("support", a)),
    "set_pipeline_access": ("settings", lambda w, a: w.desk.set_pipeline_access(
        w.pipelines["billing"], a, view=None, edit=None)),
    "create_token": ("settings", lambda w, a: w.desk.create_token("olav", a)),
    "api_tokens": ("settings", lambda w, a: w.desk.api_tokens(a)),
    "revoke_token": ("settings", lambda w, a: w.desk.revoke_token("t1", a)),
    # -- the desk itself, no acting user
    "now": ("desk", None),                # the clock
    "token_actor": ("desk", None),        # who a token acts as: tests/test_tokens.py
    "subscribe": ("desk", None),          # a screen follows changes; it asks what it may see
    "refresh": ("desk", None),            # catching up with other processes
    "compact": ("desk", None),            # the store's housekeeping
    "property": ("desk", None),           # a property's definition by name (no ticket)
    "courier": ("desk", None),            # mail and webhooks on their way out
    "run_due_steps": ("desk", None),      # automation's delays (automation acts everywhere)
    "record_breaches": ("desk", None),    # SLA clocks run out on every ticket, as delays do
    "sla_clocks": ("desk", None),         # a clock of a ticket the caller already holds
    "record_deliveries": ("desk", None),  # the courier's report
    "take_mail": ("desk", None),          # mail in, as the channel (A1)
    "take_mails": ("desk", None),
    "sign_in": ("desk", None),            # who acts: core/signing_in.py, its own tests
    # A client's command, once: `run` is the command, which applies its own
    # rule (tests/test_commands_once.py: another user's id is refused).
    "run_once": ("desk", None),
}
# Properties of Desk, none about tickets: the store (where the surfaces
# name the data dir), whether opening made it, what loading set right.
DESK_PROPERTIES = {"store", "created", "warnings"}


def public_methods() -> set[str]:
    return {name for name, member in inspect.getmembers(Desk, inspect.isfunction)
            if not name.startswith("_")}


def test_u3_every_public_method_of_desk_says_what_it_shows_to_whom() -> None:
    missing = public_methods() - set(DESK_METHODS)
    assert not missing, f"a new Desk method must say what it shows to whom: {sorted(missing)}"
    assert not set(DESK_METHODS) - public_methods(), "the table names methods Desk lacks"
    properties = {name for name, member in inspect.getmembers(Desk)
                  if isinstance(member, property) and not name.startswith("_")}
    assert properties == DESK_PROPERTIES


SEES_WALKS = [name for name, (kind, _) in DESK_METHODS.items() if kind == "sees"]


@pytest.mark.parametrize("method", SEES_WALKS)
def test_u2_p6_each_user_sees_exactly_what_they_may(seen: World, method: str) -> None:
    world = seen
    walk = DESK_METHODS[method][1]
    assert walk is not None
    for user in USERS:
        walk(world, user)


def test_u2_p6_edit_and_delete_follow_what_the_user_may_see(seen: World) -> None:
    world = seen
    desk, before = world.desk, stored(world.desk)
    commands = {n: w for n, (kind, w) in DESK_METHODS.items() if kind == "ticket"}
    for user in AGENTS:
        actor = world.actors[user]
        for key, tid in world.ids.items():
            if key in SEES[user] and editable(user, key):
                continue  # allowed: test_u2_an_agent_changes_what_they_see_and_may_edit
            for name, command in commands.items():
                assert command is not None
                with refusal() as info:
                    command(world, actor, tid)
                if key not in SEES[user]:
                    assert info.value.message == f"No ticket #{tid}.", (user, key, name)
                else:
                    pipeline = desk.pipeline(world.pipelines[pipeline_of(key)], ADMIN)
                    assert info.value.message == edit_refusal(desk.config, pipeline).message
    assert stored(desk) == before


def test_u2_an_agent_changes_what_they_see_and_may_edit(world: World) -> None:
    desk, ids = world.desk, world.ids
    ingrid, bob, sven = (world.actors[u] for u in ("ingrid", "bob", "sven"))
    desk.edit_ticket(ids["S_NONE"], {"priority": "high"}, ingrid)
    desk.add_note(ids["B_MAIL"], "Bob's note", bob)
    desk.reply(ids["B_MAIL"], "Bob's answer", bob)
    desk.move_ticket(ids["X_NONE"], "Closed", sven)
    desk.delete_ticket(ids["S_TEAM_SUPPORT"], ingrid)
    assert [i.text for i in desk.conversation(ids["B_MAIL"], bob)][-2:] == [
        "Bob's note", "Bob's answer"]


def test_u2_assigning_an_owner_outside_one_s_sight_is_allowed(world: World) -> None:
    """The assignee then sees the ticket; the assigner, seeing only their
    team's, may no longer (issue 14, item 5)."""
    desk, ids = world.desk, world.ids
    ingrid, olav = world.actors["ingrid"], world.actors["olav"]
    desk.edit_ticket(ids["S_NONE"], {"owner": "olav"}, ingrid)
    assert desk.ticket(ids["S_NONE"], olav).owner == "olav"
    with refusal(f"No ticket #{ids['S_NONE']}."):
        desk.ticket(ids["S_NONE"], ingrid)


def test_u3_a_change_of_rights_applies_at_once_in_every_open_desk(world: World) -> None:
    """Rights are read at each call: this desk answers anew at once, and
    another process's (another terminal) after its refresh, without
    signing in again."""
    desk, ids = world.desk, world.ids
    other = reopen(desk)
    bob, ingrid = world.actors["bob"], world.actors["ingrid"]
    assert other.ticket(ids["B_MAIL"], bob).subject == subject("B_MAIL")
    desk.set_pipeline_access(world.pipelines["billing"], ADMIN, view=["user:berit"],
                             edit=["user:berit"])
    desk.set_team_members("support", ADMIN, remove=["ingrid"])
    other.refresh()
    for one in (desk, other):
        with refusal(f"No ticket #{ids['B_MAIL']}."):
            one.ticket(ids["B_MAIL"], bob)
        assert world.keys(t.id for t in one.tickets(bob)) == SEES["bob"] - {"B_MAIL"}
        assert one.notifications(bob) == [] and one.unread_count(bob) == 0
        assert ids["B_MAIL"] not in {i.ticket for i in one.automation_log(bob)}
        # Out of the team, ingrid keeps her own and the unassigned.
        assert world.keys(t.id for t in one.tickets(ingrid)) == {
            "S_INGRID", "S_NONE", "X_NONE"}


def create_in(desk: Desk, actor: Actor, pipeline: str, stage: str) -> object:
    return desk.create_ticket(actor, pipeline, stage, "X")


def comment_in(desk: Desk, actor: Actor, stage: str, pipeline: str) -> object:
    return desk.comment_action(pipeline, stage, (0,), "hi", actor)


def test_p6_a_ticket_is_created_only_in_a_pipeline_one_may_edit(world: World) -> None:
    desk, before = world.desk, stored(world.desk)
    for user in AGENTS:
        actor = world.actors[user]
        for name, pid in world.pipelines.items():
            if name in EDITS[user]:
                continue
            stage = desk.pipeline(pid, ADMIN).stages[0].id
            if name not in VIEWS[user]:
                refused_as_missing(partial(create_in, desk, actor, stage=stage), pid)
                refused_as_missing(partial(create_in, desk, actor, "0"), stage)
            else:
                with refusal() as info:
                    desk.create_ticket(actor, pid, stage, "X")
                refused = edit_refusal(desk.config, desk.pipeline(pid, ADMIN)).message
                assert info.value.message == refused
        # comment_action: anyone, on a pipeline they may view.
        if "billing" not in VIEWS[user]:
            refused_as_missing(partial(comment_in, desk, actor, world.billing_stage),
                               world.pipelines["billing"])
    assert stored(desk) == before
    made = desk.create_tickets([], world.actors["ingrid"])
    assert made == []
    desk.create_ticket(world.actors["ingrid"], world.pipelines["sales"], "New", "Mine")
    desk.comment_action(world.pipelines["billing"], world.billing_stage, (0,), "hi",
                        world.actors["bob"])


def test_u1_every_settings_command_is_refused_to_an_agent_with_the_reason(
        seen: World) -> None:
    world = seen
    desk, before = world.desk, stored(world.desk)
    for name, (kind, walk) in DESK_METHODS.items():
        if kind != "settings":
            continue
        assert walk is not None
        for user in AGENTS:
            with refusal("Only administrators may") as info:
                walk(world, world.actors[user])
            assert "No " not in info.value.message.partition(";")[0], (name, info.value.message)
    assert stored(desk) == before


STAGE_COMMANDS: dict[str, Callable[[Desk, Actor, str], object]] = {
    "rename_stage": lambda d, a, ref: d.rename_stage(ref, "X", a),
    "reorder_stage": lambda d, a, ref: d.reorder_stage(ref, 1, a),
    "set_stage_state": lambda d, a, ref: d.set_stage_state(ref, "closed", a),
    "delete_stage": lambda d, a, ref: d.delete_stage(ref, a),
    "set_stage_property": lambda d, a, ref: d.set_stage_property(ref, "priority", a),
    "remove_stage_property": lambda d, a, ref: d.remove_stage_property(ref, "priority", a),
}


def test_u1_p6_an_agent_s_stage_command_is_refused_before_the_stage_is_looked_up(
        seen: World) -> None:
    """Looking a stage up first would answer "No stage" with every stage of
    the desk listed, the private pipeline's too."""
    world, before = seen, stored(seen.desk)
    for name, command in STAGE_COMMANDS.items():
        for ref in ("999", world.billing_stage, BILLING_STAGE):
            with refusal() as info:
                command(world.desk, world.actors["ingrid"], ref)
            assert info.value.message.startswith("Only administrators may change stages"), (
                name, info.value.message)
            assert BILLING_STAGE not in info.value.message
    assert stored(world.desk) == before


def test_p6_the_quarantine_keeps_a_private_pipeline_s_channel_from_who_may_not_view_it(
        seen: World) -> None:
    world = seen
    desk = world.desk
    every = desk.quarantine(ADMIN)
    assert len(every) == 2
    [billing_key] = [q.key for q in every if q.channel == BILLING_MAIL]
    for user in USERS:
        shown = desk.quarantine(world.actors[user])
        if "billing" in VIEWS[user]:
            assert shown == every
            continue
        [lost] = shown
        assert lost.channel is None and SUPPORT_MAIL in lost.reason
        assert BILLING_MAIL not in lost.reason
        with refusal(f"No message {billing_key!r} in the quarantine ({lost.key})."):
            desk.retry_quarantined(billing_key, world.actors[user])
    assert len(desk.quarantine(ADMIN)) == 2  # nothing was taken out


def test_u1_desk_wide_facts_are_any_active_user_s(world: World) -> None:
    for kind, walk in DESK_METHODS.values():
        if kind == "anyone":
            assert walk is not None
            for user in USERS:
                walk(world, world.actors[user])


# -- the walk of the command line -----------------------------------------------------------
#
# Every leaf command of `pipedesk`: how a reading one is called (its
# arguments; "{billing}", "{ticket}", "{stage}" filled in), or why it is
# not walked here (it changes something: Desk's walk above covers its
# refusals, as the command line adds none of its own).

READING: dict[str, tuple[str, ...]] = {
    "ticket list": (),
    "ticket list --pipeline {billing}": (),
    "ticket list --pipeline 0": (),
    "ticket list --query REPLY-S_INGRID-TEXT": (),
    "ticket list --query=SUBJ --format csv": (),
    "export": (),
    "export --query REPLY-S_INGRID-TEXT": (),
    "ticket show {ticket}": (),
    "ticket attachment {ticket} 2.1": (),
    "pipeline list": (),
    "stage list {billing}": (),
    "stage list 0": (),
    "stage props {stage}": (),
    "automation list {billing}": (),
    "automation log": (),
    "automation log --ticket {ticket}": (),
    "automation templates": (),
    "notifications": (),
    "contact list": (),
    "channel list": (),
    "mail show": (),
    "mail quarantine list": (),
    "property list": (),
    "webhooks show": (),
    "user list": (),  # people name no ticket: every user sees them all
    "team list": (),
    "team members support": (),
    "pipeline access 0": (),
    "pipeline access {billing}": (),
    "pipeline sla 0": (),
    "pipeline sla {billing}": (),
}
CHANGING = {
    "automation add assign", "automation add delay", "automation add notify",
    "automation add send-email", "automation add set", "automation add webhook",
    "automation comment", "automation remove", "automation set",
    "automation template delete", "automation template save",
    "channel add", "channel remove", "channel set",
    "contact add", "contact edit",
    "demo",  # an administrator's demo data
    "mail fetch", "mail ingest", "mail quarantine retry",  # mail in, as the channel
    "mail from", "mail smtp",
    "pipeline cards", "pipeline create", "pipeline delete", "pipeline rename",
    "pipeline reorder",
    "property archive", "property create", "property edit",
    "stage add", "stage delete", "stage rename", "stage reorder", "stage set-state",
    "ticket create", "ticket delete", "ticket move", "ticket note", "ticket reply",
    "ticket set",
    "webhooks allow",
    "team add", "team remove", "team rename", "user add", "user deactivate", "user edit",
    "worker",  # the desk's own rounds: mail and automation
    "serve",  # the server: every request acts as its token's user (tests/test_server_*.py)
    # The app in a browser, as the user this account signs in as: the app's
    # own reading and changes, through the same Desk (tests/test_web.py).
    "web",
    # API tokens: administrators only, every one walked in tests/test_cli_people.py.
    "token create", "token list", "token revoke",
    "login",  # signs in to a server: the server's desk decides (tests/test_cli_login.py)
    # The client's own record of its refused changes, on a server's desk only
    # (tests/test_sync_offline.py): nothing of a desk kept here.
    "conflicts list", "conflicts retry", "conflicts discard",
}


def leaf_commands() -> set[str]:
    from cli import root

    def walk(group: click.Group, path: list[str]) -> Iterator[str]:
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from walk(command, [*path, name])
            else:
                yield " ".join([*path, name])

    return set(walk(root, []))


def read_command(line: str) -> str:
    """The command a READING line calls: its words before the arguments."""
    words = [w for w in line.split() if not w.startswith(("{", "-")) and not w[0].isdigit()]
    known = leaf_commands()
    return next(" ".join(words[:n]) for n in range(len(words), 0, -1)
                if " ".join(words[:n]) in known)


def test_u3_every_command_that_lists_or_shows_is_walked() -> None:
    walked = {read_command(line) for line in READING}
    unlisted = leaf_commands() - walked - CHANGING
    assert not unlisted, f"a command that lists or shows must be walked: {sorted(unlisted)}"
    assert not (walked | CHANGING) - leaf_commands()


@pytest.fixture(scope="module")
def cli_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """The same desk in a data dir, built once: the command line only reads it."""
    return build(open_desk(tmp_path_factory.mktemp("leaks") / "desk", clock=MutableClock()))


def as_user(user: str, data_dir: Path, args: list[str], tmp: Path,
            capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Result:
    from cli import main

    config = tmp / f"{user}.toml"
    config.write_text(f'user = "{user}"\n')
    monkeypatch.setenv("PIPEDESK_CONFIG", str(config))
    capsys.readouterr()
    try:
        main(["--data-dir", str(data_dir), *args])
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    out = capsys.readouterr()
    return Result(code, out.out, out.err)


def ticket_ids_in(out: str) -> set[str]:
    """The tickets an output names: "#7" in text; in JSON, the id of each
    object with a subject (a ticket) and every "ticket" field."""
    said = set(re.findall(r"#(\d+)\b", out))
    try:
        data = json.loads(out)
    except ValueError:
        return said

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if "subject" in value and "id" in value:
                said.add(str(value["id"]))
            if value.get("ticket"):
                said.add(str(value["ticket"]))
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(data)
    return said


def expected_output(w: World, user: str, line: str, target: str) -> tuple[set[str], set[str]]:
    """What a reading command must show `user` (no less): words in its
    output, and the ids of the tickets it names."""
    sees = SEES[user]
    support = {subject(k) for k in sees if pipeline_of(k) == "support"}
    billing = {subject(k) for k in sees if pipeline_of(k) == "billing"}
    labels = {"support": "Support pipeline", "billing": BILLING, "sales": SALES}
    views_billing = "billing" in VIEWS[user]
    match line:
        case "ticket list":
            return {subject(k) for k in sees}, {w.ids[k] for k in sees}
        case "ticket list --pipeline 0":
            return support, set()
        case "ticket list --pipeline {billing}":
            return billing, set()
        case "ticket show {ticket}":
            return ({subject(target)}, {w.ids[target]}) if target in sees else (set(), set())
        case "pipeline list":
            return {labels[p] for p in VIEWS[user]}, set()
        case "stage list {billing}":
            return {BILLING_STAGE} if views_billing else set(), set()
        case "automation log":
            return set(), {w.ids[k] for k in logged(user)}
        case "notifications":
            return set(), {w.ids[k] for k in NOTIFIED.get(user, set()) & sees}
        case "channel list":
            return {SUPPORT_MAIL} | ({BILLING_MAIL} if views_billing else set()), set()
        case "contact list":
            return {KARI}, set()
    return set(), set()


@pytest.mark.parametrize("line", list(READING))
def test_u3_p6_the_command_line_shows_each_user_exactly_what_they_may_see(
        cli_world: World, line: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    w = cli_world
    data_dir = w.desk.store.root  # type: ignore[attr-defined]
    monkeypatch.chdir(tmp_path)
    targets = ("B_MAIL", "S_INGRID", "M_MOVED") if "{ticket}" in line else ("",)
    for user, target in ((u, t) for u in USERS for t in targets):
        unseen = EVERYTHING - SEES[user] | {"D_GONE"}
        if "billing" not in VIEWS[user]:
            unseen |= {"Q_BILLING"}
        args = line.format(billing=w.pipelines["billing"], stage=w.billing_stage,
                           ticket=w.ids.get(target, "")).split()
        runs = [args] if read_command(line) == "ticket attachment" else [args, [*args, "--json"]]
        for one in runs:
            done = as_user(user, data_dir, one, tmp_path, capsys, monkeypatch)
            said, named = done.out + done.err, ticket_ids_in(done.out)
            # No more ...
            for key in unseen:
                assert subject(key) not in said, (user, one, key, said)
                if key in w.ids and (key != "D_GONE" or "automation log" not in line):
                    assert w.ids[key] not in named, (user, one, key, said)
            # (a notification quotes the stage its ticket entered: see
            # test_a4b_p6_no_one_is_notified_of_a_ticket_they_may_not_see)
            if "billing" not in VIEWS[user] and line != "notifications":
                assert BILLING not in said and BILLING_STAGE not in said, (user, one, said)
                assert BILLING_MAIL not in said, (user, one, said)
            if target and target not in SEES[user]:
                assert (done.code, done.err.strip()) == (
                    1, f"pipedesk: No ticket #{w.ids[target]}."), (user, one, done)
            # ... and no less.
            words, ids = expected_output(w, user, line, target)
            if words or ids:
                assert done.code == 0, (user, one, done.err)
            assert all(word in done.out for word in words), (user, one, words, done.out)
            assert ids <= named, (user, one, ids, done.out)
            if target == "B_MAIL" and "ticket attachment" in line and target in SEES[user]:
                assert done.code == 0, done.err
                assert (tmp_path / "invoice.bin").read_bytes() == b"SECRET-ATTACHMENT"
                (tmp_path / "invoice.bin").unlink()


def test_a4b_p6_no_one_is_notified_of_a_ticket_they_may_not_see(world: World) -> None:
    """Notified in the private pipeline, M_MOVED's notification says the
    stage it entered there; once the ticket is moved where ingrid sees it,
    she would read that label. The desk shows only notifications of tickets
    one sees now (Desk.notifications); the rest is the engine's to keep:
    nobody is notified of a ticket they may not see when it is sent."""
    for user in ("ingrid", "sven"):
        texts = [n.text for n in world.desk.notifications(world.actors[user])]
        assert all(BILLING_STAGE not in t for t in texts), texts
