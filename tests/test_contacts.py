"""Contacts: name, email and the marketing flag; the contact a ticket is about."""

from __future__ import annotations

import pytest
from core_fixtures import (
    ADMIN,
    MutableClock,
    data_dir,
    last_entry,
    new_ticket,
    refusal,
    reopen,
    stored,
)

from core import Actor, Desk
from core.records import Contact


def test_add_a_contact_with_name_and_marketing_flag(desk: Desk) -> None:
    kari = desk.add_contact("kari@example.no", ADMIN, name=" Kari Hansen ", marketing=True)
    ola = desk.add_contact("ola@example.no", ADMIN)
    assert (kari.email, kari.name, kari.marketing) == ("kari@example.no", "Kari Hansen", True)
    assert (ola.name, ola.marketing) == ("", False)
    again = reopen(desk)
    assert again.contacts(ADMIN) == [kari, ola]
    assert again.contact("KARI@example.no", ADMIN) == kari


def test_contacts_are_listed_by_email(desk: Desk) -> None:
    for email in ("zoe@example.com", "Anna@example.com", "bo@example.com"):
        desk.add_contact(email, ADMIN)
    assert [c.email for c in desk.contacts(ADMIN)] == [
        "Anna@example.com", "bo@example.com", "zoe@example.com"]


@pytest.mark.parametrize("again", ["kari@example.no", "KARI@EXAMPLE.NO", " Kari@Example.no "])
def test_an_email_in_use_is_refused_case_insensitively(desk: Desk, again: str) -> None:
    desk.add_contact("kari@example.no", ADMIN, name="Kari")
    with refusal("A contact with email", "exists already"):
        desk.add_contact(again, ADMIN, name="Someone else")
    assert [c.name for c in desk.contacts(ADMIN)] == ["Kari"]


@pytest.mark.parametrize("email", [
    "kari.example.no",            # no @
    "kari@ola@example.no",        # two @
    "kari hansen@example.no",     # a space
    "kari@exa mple.no",
    "",
    "   ",
    "kari@",
    "@example.no",
    "a@b.com\r\nBcc: x@y.com",    # header injection
    "a@b.com\nBcc: x@y.com",
    "kari@example..no",
])
def test_an_invalid_email_is_refused_saying_so(desk: Desk, email: str) -> None:
    before = stored(desk)
    with refusal("is not an email address:"):
        desk.add_contact(email, ADMIN, name="Kari")
    assert desk.contacts(ADMIN) == []
    assert stored(desk) == before


@pytest.mark.parametrize("name", ["Kari\nBcc: x@y.com", "Kari\rHansen"])
def test_a_name_is_one_line(desk: Desk, name: str) -> None:
    with refusal("A contact's name is one line of text"):
        desk.add_contact("kari@example.no", ADMIN, name=name)
    assert desk.contacts(ADMIN) == []


def test_a_batch_of_contacts_is_refused_whole(desk: Desk) -> None:
    batch = [Contact(email="kari@example.no"), Contact(email="not an email")]
    with refusal("'not an email' is not an email address"):
        desk.add_contacts(batch, ADMIN)
    twice = [Contact(email="ola@example.no"), Contact(email="OLA@example.no")]
    with refusal("exists already"):
        desk.add_contacts(twice, ADMIN)
    assert desk.contacts(ADMIN) == []


def test_an_unknown_contact_is_refused(desk: Desk) -> None:
    with refusal("No contact 'nobody@example.no'; add the contact first"):
        desk.contact("nobody@example.no", ADMIN)


def test_an_unknown_user_cannot_add_contacts(desk: Desk) -> None:
    with refusal("No user 'ghost'"):
        desk.add_contact("kari@example.no", Actor.user("ghost"))


# -- the contact of a ticket -------------------------------------------------------


def test_t1_a_ticket_names_a_known_contact(desk: Desk) -> None:
    desk.add_contact("Kari@Example.no", ADMIN, name="Kari")
    ticket = desk.create_ticket(ADMIN, "0", "New", "Hello", contact="kari@EXAMPLE.no")
    assert ticket.contact == "Kari@example.no"  # as the contact is stored
    assert reopen(desk).ticket(ticket.id, ADMIN).contact == "Kari@example.no"


def test_t1_a_ticket_naming_a_new_address_makes_it_a_contact(desk: Desk) -> None:
    # Issue 13: `ticket create --contact` with a new address adds the
    # contact, as a new sender's mail does (A1).
    ticket = desk.create_ticket(ADMIN, "0", "New", "Hello", contact="Nobody@EXAMPLE.no")
    assert ticket.contact == "Nobody@example.no"
    assert [c.email for c in reopen(desk).contacts(ADMIN)] == ["Nobody@example.no"]


def test_t1_a_ticket_naming_something_that_is_no_address_is_refused(desk: Desk) -> None:
    before = stored(desk)
    with refusal("No contact 'nobody'; add the contact first"):
        desk.create_ticket(ADMIN, "0", "New", "Hello", contact="nobody")
    with refusal("is not an email address"):
        desk.create_ticket(ADMIN, "0", "New", "Hello", contact="nobody@")
    assert desk.tickets(ADMIN) == []
    assert desk.contacts(ADMIN) == []
    assert stored(desk) == before


def test_t4_a_ticket_s_contact_is_changed_or_cleared_only_to_a_known_one(desk: Desk) -> None:
    desk.add_contact("kari@example.no", ADMIN)
    desk.add_contact("ola@example.no", ADMIN)
    ticket = new_ticket(desk, contact="kari@example.no")
    with refusal("No contact 'nobody@example.no'"):
        desk.edit_ticket(ticket.id, {"contact": "nobody@example.no"}, ADMIN)
    assert desk.edit_ticket(ticket.id, {"contact": "ola@example.no"}, ADMIN).contact == (
        "ola@example.no")
    assert desk.edit_ticket(ticket.id, {"contact": ""}, ADMIN).contact is None
    assert [c for _, _, c in desk.timeline(ticket.id, ADMIN)[-1].changes] == ["(empty)"]


def test_contacts_survive_compaction(desk: Desk) -> None:
    desk.add_contact("kari@example.no", ADMIN, name="Kari", marketing=True)
    desk.compact()
    desk.add_contact("ola@example.no", ADMIN)
    assert [c.email for c in reopen(desk).contacts(ADMIN)] == ["kari@example.no",
                                                              "ola@example.no"]
    assert reopen(desk).contact("kari@example.no", ADMIN).marketing is True


# -- editing a contact ---------------------------------------------------------------


def test_edit_a_contact_s_name_and_marketing_flag(desk: Desk, clock: MutableClock) -> None:
    desk.add_contact("kari@example.no", ADMIN, name="Kari")
    clock.advance(minutes=5)
    edited = desk.edit_contact("KARI@example.no", ADMIN, name=" Kari Hansen ", marketing=True)
    assert (edited.email, edited.name, edited.marketing) == ("kari@example.no", "Kari Hansen",
                                                             True)
    assert reopen(desk).contact("kari@example.no", ADMIN) == edited
    # Who, when, and what from what, as a ticket's change is recorded (T7).
    line = last_entry(desk)
    assert line["actor"] == str(ADMIN)
    assert line["at"] == "2026-11-23T09:05:00Z"
    assert line["event"] == {"type": "contact.changed", "contact": "kari@example.no",
                             "changes": {"name": ["Kari", "Kari Hansen"],
                                         "marketing": [False, True]}}


def test_editing_only_the_flag_keeps_the_name(desk: Desk) -> None:
    desk.add_contact("kari@example.no", ADMIN, name="Kari", marketing=True)
    edited = desk.edit_contact("kari@example.no", ADMIN, marketing=False)
    assert (edited.name, edited.marketing) == ("Kari", False)
    assert last_entry(desk)["event"]["changes"] == {"marketing": [True, False]}
    cleared = desk.edit_contact("kari@example.no", ADMIN, name="")
    assert (cleared.name, cleared.marketing) == ("", False)


def test_an_edit_that_changes_nothing_writes_nothing(desk: Desk) -> None:
    desk.add_contact("kari@example.no", ADMIN, name="Kari")
    before = stored(desk)
    assert desk.edit_contact("kari@example.no", ADMIN, name="Kari ", marketing=False).name == (
        "Kari")
    with refusal("Give a new name or marketing flag"):
        desk.edit_contact("kari@example.no", ADMIN)
    assert stored(desk) == before


@pytest.mark.parametrize("name", ["Kari\nBcc: x@y.com", "Kari\rHansen"])
def test_an_edited_name_is_one_line_too(desk: Desk, name: str) -> None:
    desk.add_contact("kari@example.no", ADMIN, name="Kari")
    before = stored(desk)
    with refusal("A contact's name is one line of text"):
        desk.edit_contact("kari@example.no", ADMIN, name=name, marketing=True)
    assert desk.contact("kari@example.no", ADMIN).name == "Kari"
    assert stored(desk) == before


def test_editing_an_unknown_contact_is_refused(desk: Desk) -> None:
    with refusal("No contact 'nobody@example.no'; add the contact first"):
        desk.edit_contact("nobody@example.no", ADMIN, name="Nobody")
    with refusal("No user 'ghost'"):
        desk.edit_contact("kari@example.no", Actor.user("ghost"), name="Kari")


def test_an_edit_survives_compaction_and_is_seen_by_another_process(desk: Desk) -> None:
    desk.add_contact("kari@example.no", ADMIN, name="Kari")
    other = reopen(desk)
    desk.edit_contact("kari@example.no", ADMIN, name="Kari Hansen")
    other.refresh()
    assert other.contact("kari@example.no", ADMIN).name == "Kari Hansen"
    desk.compact()
    desk.edit_contact("kari@example.no", ADMIN, marketing=True)
    again = reopen(desk)
    assert (again.contact("kari@example.no", ADMIN).name,
            again.contact("kari@example.no", ADMIN).marketing) == ("Kari Hansen", True)


@pytest.mark.files
def test_a_contact_changed_line_naming_anything_else_is_refused_with_its_line(
        desk: Desk) -> None:
    desk.add_contact("kari@example.no", ADMIN, name="Kari")
    desk.edit_contact("kari@example.no", ADMIN, name="Kari Hansen")
    path = data_dir(desk) / "tickets.jsonl"
    path.write_text(path.read_text().replace('"name":["Kari","Kari Hansen"]',
                                             '"email":["kari@example.no","x@evil.example"]'))
    with refusal("tickets.jsonl, line 2", "cannot read entry"):
        reopen(desk)



@pytest.mark.files
def test_a_contact_changed_line_for_a_contact_the_desk_lacks_is_refused_with_its_line(
        desk: Desk) -> None:
    """Issue 11 item 7: a journal line naming a contact that was never added
    is named with its line, not a KeyError, and nothing is written."""
    desk.add_contact("kari@example.no", ADMIN, name="Kari")
    desk.edit_contact("kari@example.no", ADMIN, name="Kari Hansen")
    path = data_dir(desk) / "tickets.jsonl"
    path.write_text(path.read_text().replace('"contact":"kari@example.no","changes"',
                                             '"contact":"ola@example.no","changes"'))
    before = stored(desk)
    with refusal("tickets.jsonl, line 2", "ola@example.no", "does not exist"):
        reopen(desk)
    assert stored(desk) == before

# -- finding contacts, and their tickets -----------------------------------------------


def test_find_contacts_by_name_or_email_beginnings_first(desk: Desk) -> None:
    desk.add_contact("ada@example.com", ADMIN, name="Ada Lovelace")
    desk.add_contact("kari@example.no", ADMIN, name="Kari Hansen")
    desk.add_contact("hans@example.de", ADMIN, name="Hans Berg")
    assert [c.email for c in desk.find_contacts("HANS", ADMIN)] == ["hans@example.de",
                                                                    "kari@example.no"]
    assert [c.email for c in desk.find_contacts("example.no", ADMIN)] == ["kari@example.no"]
    assert [c.email for c in desk.find_contacts("", ADMIN)] == [
        "ada@example.com", "hans@example.de", "kari@example.no"]
    assert desk.find_contacts("nobody", ADMIN) == []


def test_tickets_per_contact(desk: Desk) -> None:
    desk.add_contact("Kari@example.no", ADMIN)
    desk.add_contact("ola@example.no", ADMIN)
    for _ in range(3):
        new_ticket(desk, contact="kari@example.no")
    new_ticket(desk)
    assert desk.tickets_per_contact(ADMIN) == {"kari@example.no": 3}


# -- contacts in one pass, as a quick read of what they do ------------------------


def test_t1_contacts_and_the_ticket_naming_one(desk: Desk) -> None:
    kari = desk.add_contact("kari@example.no", ADMIN, name="Kari Nordmann", marketing=True)
    assert (kari.name, kari.marketing) == ("Kari Nordmann", True)
    with refusal("exists already"):
        desk.add_contact("KARI@example.no", ADMIN)
    for bad in ("", "kari", "kari@@example.no", "kari nordmann@example.no",
                "a@b.com\r\nBcc: x@y.com", "a@b.com\nSubject: hi"):
        with refusal("not an email address"):
            desk.add_contact(bad, ADMIN)
    ticket = desk.create_ticket(ADMIN, "0", "New", "Hi", contact="Kari@Example.no")
    assert ticket.contact == "kari@example.no"
    with refusal("No contact 'ola'"):
        desk.create_ticket(ADMIN, "0", "New", "Hi", contact="ola")
    assert [c.email for c in reopen(desk).contacts(ADMIN)] == ["kari@example.no"]
