"""Contacts: name, email and the marketing flag; the contact a ticket is about."""

from __future__ import annotations

import pytest
from core_fixtures import ADMIN, data_files, new_ticket, refusal, reopen

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
    before = data_files(desk.data_dir)
    with refusal("is not an email address:"):
        desk.add_contact(email, ADMIN, name="Kari")
    assert desk.contacts(ADMIN) == []
    assert data_files(desk.data_dir) == before


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


def test_a_ticket_names_a_known_contact(desk: Desk) -> None:
    desk.add_contact("Kari@Example.no", ADMIN, name="Kari")
    ticket = desk.create_ticket(ADMIN, "0", "New", "Hello", contact="kari@EXAMPLE.no")
    assert ticket.contact == "Kari@example.no"  # as the contact is stored
    assert reopen(desk).ticket(ticket.id, ADMIN).contact == "Kari@example.no"


def test_a_ticket_naming_an_unknown_contact_is_refused(desk: Desk) -> None:
    before = data_files(desk.data_dir)
    with refusal("No contact 'nobody@example.no'; add the contact first"):
        desk.create_ticket(ADMIN, "0", "New", "Hello", contact="nobody@example.no")
    assert desk.tickets(ADMIN) == []
    assert data_files(desk.data_dir) == before


def test_a_ticket_s_contact_is_changed_or_cleared_only_to_a_known_one(desk: Desk) -> None:
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
