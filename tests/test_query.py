"""The query language (issue 17 item 1; docs/search.md): every field, free
text in the subject, the contact and the conversation, `-` and spaces,
and each mistake said with its column. Through `Desk.find_tickets`, over
every store, with the test's clock (U2, P6: only what the user sees)."""

from __future__ import annotations

import pytest
from core_fixtures import ADMIN, MutableClock, add_agent, add_team, reopen

from core import Actor, Desk
from core.query import QueryError, parse

INGRID = Actor.user("ingrid")


@pytest.fixture
def seeded(desk: Desk, clock: MutableClock) -> Desk:
    """#1 urgent, Ingrid's, support team, from email, with a conversation;
    #2 high, nobody's, an hour later; #3 no priority, closed, a day later;
    #4 in a pipeline only administrators see."""
    add_agent(desk)
    desk.edit_user("ingrid", ADMIN, login="iberg")
    add_team(desk, "support", "Support", ["ingrid"])
    desk.add_contact("kari@customer.example", ADMIN, name="Kari Nordmann")
    one = desk.create_ticket(ADMIN, "0", "New", "Printer on fire",
                             contact="kari@customer.example",
                             values={"priority": "urgent", "owner": "ingrid",
                                     "team": "support"}, source="email")
    desk.reply(one.id, "Toner cartridge 4711 is on its way.", ADMIN)
    desk.add_note(one.id, "Customer is in Tromsø.", ADMIN)
    clock.advance(hours=1)
    desk.create_ticket(ADMIN, "0", "Waiting on us", "Screen flickers",
                       values={"priority": "high"})
    clock.advance(days=1)
    desk.create_ticket(ADMIN, "0", "Closed", "VPN down")
    billing = desk.create_pipeline("Billing", ADMIN)
    desk.set_pipeline_access(billing.id, ADMIN, view=[], edit=[])
    desk.create_ticket(ADMIN, billing.id, "New", "Invoice wrong", values={"priority": "urgent"})
    clock.advance(minutes=30)
    return desk


def ids(desk: Desk, query: str, actor: Actor = INGRID, **how: object) -> list[str]:
    return [t.id for t in desk.find_tickets(query, actor, **how)]  # type: ignore[arg-type]


@pytest.mark.parametrize(("query", "found"), [
    ("", ["1", "2", "3"]),
    ("priority:urgent", ["1"]),
    ("priority:URGENT", ["1"]),
    ("priority:high,urgent", ["1", "2"]),
    ("priority:none", ["3"]),
    ("owner:me", ["1"]),
    ("owner:none", ["2", "3"]),
    ("owner:ingrid", ["1"]),
    ("owner:iberg", ["1"]),  # a login
    ("owner:ingrid@pipedesk.example", ["1"]),
    ('owner:"Ingrid Berg"', ["1"]),
    ("team:support", ["1"]),
    ("team:Support", ["1"]),
    ("team:none", ["2", "3"]),
    ("stage:open", ["1", "2"]),
    ("stage:closed", ["3"]),
    ('stage:"Waiting on us"', ["2"]),
    ("stage:new", []),  # #1 moved on when it was replied to (A3a)
    ('stage:"waiting on contact"', ["1"]),
    ("pipeline:0", ["1", "2", "3"]),
    ('pipeline:"support pipeline"', ["1", "2", "3"]),
    ("age:>1d", ["1", "2"]),  # created more than a day ago
    ("age:<2h", ["3"]),
    ("age:<=1d", ["3"]),
    ("age:2h", ["1", "2"]),  # no sign: older than
    ("updated:<1h", ["3"]),
    ("source:email", ["1"]),
    ("source:manual", ["2", "3"]),
    # Free text: the subject, the contact's address and name, the conversation.
    ("printer", ["1"]),
    ("PRINTER", ["1"]),
    ("kari@customer", ["1"]),
    ("nordmann", ["1"]),
    ("4711", ["1"]),  # a reply's text
    ("tromsø", ["1"]),  # a note's
    ('"on fire"', ["1"]),
    ('"fire on"', []),
    # And, not.
    ("priority:urgent owner:me printer", ["1"]),
    ("priority:urgent owner:none", []),
    ("-priority:urgent", ["2", "3"]),
    ("-printer -vpn", ["2"]),
    ("stage:open -owner:none", ["1"]),
    ("invoice", []),  # U2/P6: the private pipeline's ticket is not Ingrid's to find
])
def test_each_field_and_free_text_find_what_they_say(seeded: Desk, query: str,
                                                    found: list[str]) -> None:
    assert ids(seeded, query) == found


def test_an_administrator_finds_in_every_pipeline(seeded: Desk) -> None:
    assert ids(seeded, "priority:urgent", ADMIN) == ["1", "4"]
    assert ids(seeded, "pipeline:billing", ADMIN) == ["4"]
    assert ids(seeded, "invoice", ADMIN) == ["4"]
    assert ids(seeded, "o", ADMIN) == ["1", "3", "4"]
    assert ids(seeded, "on", ADMIN) == ["1", "4"]  # printer on fire, invoice wrong


@pytest.mark.parametrize(("query", "column", "fragment"), [
    ("prio:urgent", 1, "no field 'prio'"),
    ("printer priority:urgnt", 9, "priority is low, medium, high, urgent or none, not 'urgnt'"),
    ('subject "on fire', 9, "a quote is not closed"),
    ("age:2x", 1, "age takes a duration such as >2h or <30m"),
    ("owner:", 1, "owner: needs a value"),
    ("owner:nobody", 1, "no user 'nobody'"),
    ("team:night", 1, "no team 'night' (teams: support)"),
    ('x stage:"Not a stage"', 3, "no stage 'Not a stage'"),
    ("pipeline:billing", 1, "no pipeline 'billing'"),  # P6: Ingrid sees no Billing
    ('on"fire', 3, "a quote inside a word"),
])
def test_a_mistake_says_what_and_where(seeded: Desk, query: str, column: int,
                                       fragment: str) -> None:
    with pytest.raises(QueryError) as info:
        seeded.find_tickets(query, INGRID)
    assert info.value.column == column
    assert fragment in info.value.message, info.value.message
    assert f"(column {column} of the query {query!r})" in info.value.message


def test_sort_and_limit(seeded: Desk) -> None:
    assert ids(seeded, "", sort="priority") == ["3", "2", "1"]
    assert ids(seeded, "", sort="-priority", limit=2) == ["1", "2"]
    assert ids(seeded, "", sort="-age") == ["3", "2", "1"]
    with pytest.raises(Exception, match="Sort by id, age"):
        seeded.find_tickets("", INGRID, sort="colour")


def test_a_note_made_after_a_search_is_found_by_the_next(seeded: Desk) -> None:
    assert ids(seeded, "flicker") == ["2"]
    assert ids(seeded, '"refresh rate"') == []
    seeded.add_note("2", "Try another refresh rate.", ADMIN)
    assert ids(seeded, '"refresh rate"') == ["2"]


def test_typed_a_letter_at_a_time_each_query_finds_what_it_finds_alone(
        seeded: Desk, clock: MutableClock) -> None:
    """The search screen asks at every letter, and a query that only adds
    to the last one is looked for among what that one found: what each
    finds is what a desk asked nothing before finds for it."""
    typed = ["p", "pr", "printe", "printer", "printe", "p", "", "-", "-v", "-vpn",
             "-vpn s", "-vpn screen", "-vpn scree", "stage:open", "stage:open t",
             "stage:open to", "stage:open -to", "priority:high,urgent", "priority:high,urgent s",
             "kari", "kari nordmann", "4711", "tromsø"]
    for actor in (INGRID, ADMIN):
        for query in typed:
            asked_alone = reopen(seeded, clock)
            assert ids(seeded, query, actor) == ids(asked_alone, query, actor), query
            assert (ids(seeded, query, actor, sort="-updated")
                    == ids(asked_alone, query, actor, sort="-updated")), query


def test_each_change_is_found_by_the_next_letter(seeded: Desk) -> None:
    """A subject edited, a contact renamed, a reply, a new ticket, one
    deleted: the next query finds the desk as it is, not as the last
    query's answer left it."""
    assert ids(seeded, "scre") == ["2"]
    seeded.edit_ticket("3", {"subject": "Screen stays black"}, ADMIN)
    assert ids(seeded, "scree") == ["2", "3"]
    assert ids(seeded, "vpn") == []
    seeded.edit_contact("kari@customer.example", ADMIN, name="Kari Solberg")
    assert ids(seeded, "solberg") == ["1"] and ids(seeded, "nordmann") == []
    seeded.edit_ticket("2", {"contact": "kari@customer.example"}, ADMIN)
    assert ids(seeded, "solberg") == ["1", "2"]
    seeded.reply("2", "A new cable, part 8812, is on its way.", ADMIN)
    assert ids(seeded, "881") == ["2"]
    made = seeded.create_ticket(ADMIN, "0", "New", "Scanner jams")
    assert ids(seeded, "scanner") == [made.id]
    seeded.delete_ticket("2", ADMIN)
    assert ids(seeded, "scree") == ["3"] and ids(seeded, "8812") == []


def test_a_change_made_in_another_terminal_is_found_once_taken_in(
        seeded: Desk, clock: MutableClock) -> None:
    assert ids(seeded, "black") == []
    other = reopen(seeded, clock)
    other.edit_ticket("3", {"subject": "Screen stays black"}, ADMIN)
    other.add_note("2", "Flickers only on the black background.", ADMIN)
    seeded.refresh()
    assert ids(seeded, "black") == ["2", "3"]


def test_a_query_that_reads_the_clock_is_asked_afresh_as_time_passes(
        seeded: Desk, clock: MutableClock) -> None:
    """#3 is 30 minutes old: not older than an hour, until an hour passes."""
    assert ids(seeded, "age:>1h") == ["1", "2"]
    clock.advance(hours=1)
    assert ids(seeded, "age:>1h vpn") == ["3"]


def test_a_query_is_read_into_terms_with_their_columns() -> None:
    query = parse(' -priority:urgent  "on fire" owner:me')
    assert [(t.negated, t.field, t.value, t.column) for t in query.terms] == [
        (True, "priority", "urgent", 2), (False, None, "on fire", 20),
        (False, "owner", "me", 30)]
    assert parse('a-b "" -').terms[1].value == "-"  # a lone dash is a word
