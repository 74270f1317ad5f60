"""Mail reaches the contact's stored address and nobody else, however the
contact's name looks (issue 11, item 8; A4a): the name is only ever a
display name, and the server is told the recipient from the stored address,
never from a header. Against a real aiosmtpd server on loopback."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage

import pytest
from core_fixtures import ADMIN, new_ticket
from mail_fixtures import Inbox, on_disk, use_smtp

from core import Desk
from core.automation.actions import SendEmail
from core.automation.rounds import work_round
from core.model import SmtpSettings

HOSTILE_NAMES = [
    "Ève <evil@example.net>",
    "Ève, evil@example.net",
    "Eve\u2028Bcc: evil@example.net",
    "Eve\x85Bcc: evil@example.net",
    "Eve\r\nBcc: evil@example.net",
    "Eve\nTo: evil@example.net",
    'Eve "the boss" <evil@example.net>',
    "Eve \\\" <evil@example.net>",
    "=?utf-8?q?evil=40example.net?= <evil@example.net>",
    "=?utf-8?b?RXZlIDxldmlsQGV4YW1wbGUubmV0Pg==?=",
    "(evil@example.net) Eve",
    "evil@example.net",
    "Eve\x1b]2;PWNED\x07 <evil@example.net>",
]


def contact_on_disk(desk: Desk, address: str, name: str) -> None:
    """A contact as the journal holds it, whatever its name: data written
    before today's input rules, or by hand, must be harmless too."""
    on_disk(desk, {"type": "contact.added",
                   "contact": {"email": address, "name": name, "marketing": False}})
    assert desk.state.contacts[address].name == name


@pytest.mark.files
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a4a_mail_goes_to_the_stored_address_alone_whatever_the_name(
        desk: Desk, smtp_server: tuple[Inbox, SmtpSettings], name: str) -> None:
    inbox, settings = smtp_server
    desk.add_contact("bystander@example.com", ADMIN)  # the journal has lines before
    contact_on_disk(desk, "ada@example.com", name)
    desk.add_action("0", "Closed", SendEmail(template="Ticket closed"), ADMIN)
    use_smtp(desk, settings)
    ticket = new_ticket(desk, "Printer on fire", contact="ada@example.com")

    desk.move_ticket(ticket.id, "Closed", ADMIN)
    work_round(desk)

    # The server was told exactly one recipient: the stored address.
    assert inbox.envelopes == [("support@pipedesk.example", ["ada@example.com"])]
    [got] = inbox.received
    # The To header, read back by any mail program, names that one address.
    reread = email.message_from_bytes(got.as_bytes(), policy=policy.default)
    assert isinstance(reread, EmailMessage)
    [to] = reread["To"].addresses
    assert to.addr_spec == "ada@example.com"
    assert not reread["To"].defects
    assert reread["Cc"] is None and reread["Bcc"] is None
    # The name shows, made one line: no line break or control character
    # of it reaches the header.
    shown = to.display_name
    assert all(ch.isprintable() for ch in shown), shown
    assert [(i.kind, i.result) for i in reversed(desk.automation_log(ADMIN))][-1] == (
        "send-email", "delivered")
    delivered = desk.automation_log(ADMIN)[0]
    assert "to ada@example.com" in delivered.detail
    assert "evil" not in delivered.detail
