"""Reading incoming mail (issue 13, items 4, 6 and 7): what the desk keeps of
a message as its sender's mail program wrote it, one test per shape of
message at least. The messages are literal bytes or built with the email
package, as real programs send them."""

from __future__ import annotations

import base64
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest
from text_fixtures import HOSTILE, UNSAFE

from core.errors import DeskError
from core.events import Attachment
from core.mail.reading import (
    MAX_MAIL_BYTES,
    IncomingMail,
    Unreadable,
    attachment_bytes,
    read_mail,
)


def mail(*headers: str, body: str = "Hello.\n", charset: str = "utf-8",
         data: bytes | None = None) -> bytes:
    """A one-part text/plain message: the headers given, then the body
    (as `data`'s bytes as they are, if given)."""
    head = "\n".join(["From: Ann Example <ann@example.com>", "To: help@desk.example",
                      "Date: Wed, 02 Dec 2026 10:00:00 +0100", *headers,
                      f"Content-Type: text/plain; charset={charset}",
                      "Content-Transfer-Encoding: 8bit"])
    return head.encode() + b"\n\n" + (data if data is not None else body.encode(charset))


def read(*headers: str, body: str = "Hello.\n", charset: str = "utf-8",
         data: bytes | None = None) -> IncomingMail:
    return read_mail(mail(*headers, body=body, charset=charset, data=data))


# -- threading ids (T7: a reply lands on its ticket) -----------------------------------


def test_t7_reply_with_only_references_keeps_them_oldest_first() -> None:
    got = read("Subject: Re: printer", "Message-ID: <reply@mail.example>",
               "References: <first@desk.example> <second@mail.example>\n <third@desk.example>")
    assert got.message_id == "reply@mail.example"
    assert got.in_reply_to == []
    assert got.references == ["first@desk.example", "second@mail.example", "third@desk.example"]


@pytest.mark.parametrize(("header", "ids"), [
    ("In-Reply-To: abc@mail.example", ["abc@mail.example"]),
    ("In-Reply-To: <abc@mail.example> (Ann's message of Tuesday)", ["abc@mail.example"]),
    ("In-Reply-To: Your message of Tue <abc@mail.example>", ["abc@mail.example"]),
    ("In-Reply-To: <abc@mail.example>,<def@mail.example>",
     ["abc@mail.example", "def@mail.example"]),
    ("In-Reply-To: abc@mail.example, def@mail.example (comment)",
     ["abc@mail.example", "def@mail.example"]),
    ("In-Reply-To: < abc@mail.example >", ["abc@mail.example"]),
    ("In-Reply-To:\n <abc@mail.example>\n <def@mail.example>",
     ["abc@mail.example", "def@mail.example"]),
])
def test_t7_ids_the_strict_parser_rejects_are_read(header: str, ids: list[str]) -> None:
    assert read("Subject: Re: x", header).in_reply_to == ids


def test_t7_message_id_without_brackets_and_a_repeated_reference() -> None:
    got = read("Message-ID: bare-id@mail.example (sent by Frobmail)",
               "References: <a@x.example> <a@x.example> <b@x.example>")
    assert got.message_id == "bare-id@mail.example"
    assert got.references == ["a@x.example", "b@x.example"]


def test_t7_no_message_id_is_none_and_the_digest_tells_the_bytes_apart() -> None:
    first, second = read_mail(mail(body="one")), read_mail(mail(body="two"))
    assert first.message_id is None
    assert first.digest != second.digest
    assert first.digest == read_mail(mail(body="one")).digest


# -- addresses, subject, date ------------------------------------------------------------


def test_c1_sender_name_and_every_address_the_mail_was_delivered_to() -> None:
    raw = (b"From: =?utf-8?q?Doe=2C_J=C3=B6hn?= <John.Doe@Example.COM>\n"
           b"To: \"Help, Desk\" <Help@Desk.Example>, other@example.org\n"
           b"Cc: Carl <carl@example.net>\n"
           b"Delivered-To: support@desk.example\n"
           b"X-Original-To: <sales@desk.example>\n"
           b"Envelope-To: help@desk.example\n"
           b"Subject: =?iso-8859-1?q?Fr=E5ga_om_fakturan?=\n"
           b"Date: Wed, 02 Dec 2026 10:00:00 +0100\n\nHi\n")
    got = read_mail(raw)
    assert (got.sender, got.sender_name) == ("john.doe@example.com", "Doe, Jöhn")
    assert got.to == ["help@desk.example", "other@example.org"]
    assert got.cc == ["carl@example.net"]
    assert got.recipients == ["help@desk.example", "other@example.org", "carl@example.net",
                              "support@desk.example", "sales@desk.example"]
    assert got.subject == "Fråga om fakturan"
    assert got.date is not None and got.date.isoformat() == "2026-12-02T10:00:00+01:00"


def test_c1_raw_utf8_headers_and_a_folded_subject_read_as_one_line() -> None:
    raw = ("From: Åsa Öberg <asa@example.se>\nTo: help@desk.example\n"
           "Subject: Hej, fakturan\n är fel\n\nText\n").encode()
    got = read_mail(raw)
    assert got.sender_name == "Åsa Öberg"
    assert got.subject == "Hej, fakturan är fel"
    assert got.date is None


def test_c1_raw_latin1_headers_and_encoded_words_mixed_with_raw_text() -> None:
    raw = (b"From: \xc5sa =?utf-8?q?=C3=96berg?= <asa@example.se>\n"
           b"Subject: Fr\xe5ga om \xe4rendet =?utf-8?q?caf=C3=A9?= =?utf-8?q?_ok?=\n"
           b"Date: 2026-12-02T10:00:00Z\n\nText\n")
    got = read_mail(raw)
    assert got.sender_name == "Åsa Öberg"
    assert got.subject == "Fråga om ärendet café ok"
    assert got.date is not None and got.date.isoformat() == "2026-12-02T10:00:00+00:00"
    japanese = "件名は請求書について"
    raw = f"From: ann@example.com\nSubject: {japanese}\n\nText\n".encode("shift_jis")
    assert read_mail(raw).subject == japanese


def test_c1_an_encoded_word_in_a_charset_python_lacks_is_shown_as_sent() -> None:
    got = read_mail(b"From: =?x-none?q?Ann?= <ann@example.com>\nSubject: x\n\nText\n")
    assert got.sender_name == "=?x-none?q?Ann?="


# -- text, whatever the charset claims ---------------------------------------------------


def test_c1_iso_2022_jp_comes_out_right() -> None:
    text = "お世話になっております。請求書について質問があります。"
    subject = base64.b64encode("質問".encode("iso-2022-jp")).decode()
    got = read(f"Subject: =?ISO-2022-JP?B?{subject}?=", charset="iso-2022-jp",
               data=text.encode("iso-2022-jp"))
    assert got.text == text
    assert got.subject == "質問"


@pytest.mark.parametrize("label", ["us-ascii", "iso-8859-1", "windows-1252"])
def test_c1_utf8_labelled_as_a_single_byte_charset_comes_out_right(label: str) -> None:
    text = "Grüße aus Malmö: the café's naïve façade — €5"
    assert read(charset=label, data=text.encode("utf-8")).text == text


def test_c1_latin1_labelled_utf8_is_detected() -> None:
    text = ("Hej! Jag har fått fel faktura för december. Kan ni skicka en ny? "
            "Vänliga hälsningar, Åsa på Företaget i Örebro")
    assert read(charset="utf-8", data=text.encode("latin-1")).text == text


def test_c1_an_unknown_charset_is_read_as_what_it_is() -> None:
    assert read(charset="x-no-such-charset", data="naïve café".encode()).text == "naïve café"
    # Not UTF-8 either: what detection finds, never an exception.
    assert "fel faktura" in read(charset="x-unknown",
                                 data="Du har skickat fel faktura, tack.".encode("cp1252")).text


def test_c1_bytes_no_charset_fits_come_out_with_a_replacement_character() -> None:
    got = read(charset="utf-8", data=b"ok \xff\xfe\x00\x81 ok")
    assert got.text.startswith("ok ") and got.text.endswith(" ok")
    assert not UNSAFE.search(got.text)


def test_c1_html_only_mail_is_shown_as_text() -> None:
    message = EmailMessage()
    message["From"] = "ann@example.com"
    message["Subject"] = "Order"
    message.set_content("<html><head><style>p {color: red}</style></head><body>"
                        "<p>Hello <b>desk</b>,</p><ul><li>two chairs</li><li>one table</li></ul>"
                        "<script>alert(1)</script></body></html>", subtype="html")
    text = read_mail(message.as_bytes()).text
    assert "Hello desk," in text
    assert "* two chairs" in text and "* one table" in text
    assert "<" not in text and "color" not in text and "alert" not in text


def test_c1_plain_text_is_preferred_to_html() -> None:
    message = EmailMessage()
    message["From"] = "ann@example.com"
    message.set_content("The plain words.")
    message.add_alternative("<p>The <i>HTML</i> words.</p>", subtype="html")
    got = read_mail(message.as_bytes())
    assert got.text == "The plain words."
    assert got.attachments == []


def test_c1_quoted_printable_and_crlf_lines() -> None:
    raw = (b"From: ann@example.com\r\nContent-Type: text/plain; charset=utf-8\r\n"
           b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
           b"Caf=C3=A9 is open.\r\nSecond line, soft=\r\n broken.\r\n")
    assert read_mail(raw).text == "Café is open.\nSecond line, soft broken."


# -- hostile text ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_c1_hostile_text_in_headers_and_body_comes_out_harmless(name: str) -> None:
    hostile = HOSTILE[name]
    message = EmailMessage()
    message["From"] = "ann@example.com"
    message["Subject"] = hostile.replace("\n", " ")
    message.set_content(f"Before {hostile} after\n")
    message.add_attachment(b"x", maintype="application", subtype="octet-stream",
                           filename=f"a{hostile.replace(chr(10), ' ')}.bin")
    raw = message.as_bytes().replace(b"\\n", b"\n")
    # Put the raw control characters in, as a hostile program would send them.
    raw = raw.replace(message["Subject"].encode(), hostile.replace("\n", " ").encode())
    got = read_mail(raw)
    for text in (got.subject, got.text, got.sender_name, got.attachments[0].name):
        assert not UNSAFE.search(text), (name, text)
    assert "\n" not in got.subject and "\n" not in got.attachments[0].name
    assert got.text.startswith("Before ") and got.text.endswith(" after")


def test_c1_escape_sequences_in_a_literal_message_are_pictures_and_spaces() -> None:
    raw = (b"From: \x1b]2;PWNED\x07 <ann@example.com>\nSubject: Hi \x1b[2J there\n"
           b"Content-Type: text/plain\n\nline \x1b[31mred\x1b[0m\n")
    got = read_mail(raw)
    assert got.subject == "Hi [2J there"
    assert "PWNED" in got.sender_name and not UNSAFE.search(got.sender_name)
    assert got.text == "line \u241b[31mred\u241b[0m"


# -- attachments -------------------------------------------------------------------------


def test_c1_attachments_listed_with_name_size_and_type_and_saved_as_sent() -> None:
    pdf = b"%PDF-1.4 " + bytes(range(256)) * 40
    message = EmailMessage()
    message["From"] = "ann@example.com"
    message["Subject"] = "Invoice"
    message.set_content("See the attached invoice.")
    message.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename="Faktura för december.pdf")
    message.add_attachment("a,b\n1,2\n", subtype="csv", filename="../../etc/rows.csv")
    raw = message.as_bytes()
    got = read_mail(raw)
    assert got.text == "See the attached invoice."
    assert got.attachments == [
        Attachment(name="Faktura för december.pdf", size=len(pdf), type="application/pdf"),
        Attachment(name="rows.csv", size=len(b"a,b\n1,2\n"), type="text/csv"),
    ]
    assert attachment_bytes(raw, 0) == ("Faktura för december.pdf", pdf)
    assert attachment_bytes(raw, 1) == ("rows.csv", b"a,b\n1,2\n")
    with pytest.raises(DeskError, match="no attachment 2: it has 2"):
        attachment_bytes(raw, 2)


def test_c1_a_message_of_only_a_file_lists_it_and_has_no_text() -> None:
    raw = (b"From: scanner@example.com\nContent-Type: image/png; name=scan.png\n"
           b"Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n")
    got = read_mail(raw)
    assert got.text == ""
    assert got.attachments == [Attachment(name="scan.png", size=8, type="image/png")]


# -- machine mail (issue 13 item 6: never creates or moves a ticket) ---------------------


@pytest.mark.parametrize(("header", "reason"), [
    ("Auto-Submitted: auto-replied", "Auto-Submitted: auto-replied"),
    ("Auto-Submitted: auto-generated", "Auto-Submitted: auto-generated"),
    ("Precedence: bulk", "Precedence: bulk"),
    ("Precedence: junk", "Precedence: junk"),
    ("Precedence: list", "Precedence: list"),
    ("X-Autoreply: yes", "X-Autoreply"),
    ("X-Autorespond: Out of office", "X-Autorespond"),
    ("X-Auto-Response-Suppress: All", "X-Auto-Response-Suppress"),
    ("List-Id: Users <users.lists.example.org>", "List-Id"),
    ("List-Unsubscribe: <mailto:leave@lists.example.org>", "List-Unsubscribe"),
    ("Return-Path: <>", "empty Return-Path"),
])
def test_a3_machine_mail_says_why(header: str, reason: str) -> None:
    assert reason in read(header, "Subject: Out of office").auto


def test_a3_mail_from_mailer_daemon_or_postmaster_is_machine_mail() -> None:
    for sender in ("MAILER-DAEMON@mx.example.com", "postmaster@example.com"):
        raw = mail().replace(b"Ann Example <ann@example.com>", sender.encode())
        assert read_mail(raw).auto.startswith("sent by ")


def test_a3_a_person_mail_is_not_machine_mail() -> None:
    got = read("Auto-Submitted: no", "Precedence: normal", "Return-Path: <ann@example.com>",
               "Subject: Re: my order")
    assert got.auto == ""
    assert got.forwarded is False


def bounce(original_headers: str, *, as_headers_only: bool = False) -> bytes:
    """A delivery report (RFC 3464) as Postfix sends it, returning a
    message with `original_headers`."""
    kind = "text/rfc822-headers" if as_headers_only else "message/rfc822"
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\n"
        "To: help@desk.example\nSubject: Undelivered Mail Returned to Sender\n"
        "Message-ID: <bounce1@mx.example.com>\nReturn-Path: <>\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n"
        "MIME-Version: 1.0\n\n--B\nContent-Type: text/plain\n\n"
        "I'm sorry to have to inform you that your message could not be delivered.\n"
        "--B\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.com\n\nFinal-Recipient: rfc822; gone@example.org\n"
        "Action: failed\nStatus: 5.1.1\n"
        f"--B\nContent-Type: {kind}\n\n{original_headers}\n\nThe reply.\n--B--\n").encode()


@pytest.mark.parametrize("as_headers_only", [False, True])
def test_t7_a_bounce_carries_the_returned_message_id_into_references(
        as_headers_only: bool) -> None:
    got = read_mail(bounce("From: help@desk.example\nTo: gone@example.org\n"
                           "Subject: Re: order [#12]\n"
                           "Message-ID: <pd.12.abc.sig@desk.example>",
                           as_headers_only=as_headers_only))
    assert got.auto == "a delivery report (multipart/report)"
    assert "pd.12.abc.sig@desk.example" in got.references
    assert got.message_id == "bounce1@mx.example.com"
    assert got.forwarded is False  # the returned message is not forwarded
    assert "could not be delivered" in got.text


def test_t7_a_bounce_that_is_no_report_still_finds_the_returned_message_id() -> None:
    raw = (b"From: MAILER-DAEMON@old.example.com\nTo: help@desk.example\n"
           b"Subject: failure notice\n\nSorry, it failed.\n\n--- Below is the message.\n"
           b"Message-Id: <pd.7.xyz.sig@desk.example>\nSubject: Re: [#7]\n")
    got = read_mail(raw)
    assert got.auto == "sent by mailer-daemon"
    assert got.references == ["pd.7.xyz.sig@desk.example"]


# -- forwards (A3c: never a trigger) -----------------------------------------------------


@pytest.mark.parametrize("subject", [
    "Fwd: invoice", "FW: invoice", "Fw: invoice", "WG: Rechnung", "VS: faktura",
    "TR: facture", "Doorst: factuur", "RV: factura", "I: fattura", "Wtr: factuur",
    "Re: Fwd: invoice", "RE: fw: invoice", "AW: WG: Rechnung", "Sv: VS: faktura",
])
def test_a3c_forwarded_subjects_in_several_languages(subject: str) -> None:
    assert read(f"Subject: {subject}").forwarded is True


@pytest.mark.parametrize("subject", ["Re: invoice", "Forward planning", "Visit: Tuesday",
                                     "Invoice: fwd to finance", "SV: faktura"])
def test_a3c_subjects_that_are_no_forward(subject: str) -> None:
    assert read(f"Subject: {subject}").forwarded is False


def test_a3c_a_vs_forward_with_in_reply_to_is_forwarded_and_keeps_its_ids() -> None:
    got = read("Subject: VS: Re: order [#12]", "In-Reply-To: <pd.12.abc.sig@desk.example>")
    assert got.forwarded is True
    assert got.in_reply_to == ["pd.12.abc.sig@desk.example"]


@pytest.mark.parametrize("header", ["X-Forwarded-Message-Id: <orig@mail.example>",
                                    "X-Forwarded-For: ann@example.com help@desk.example"])
def test_a3c_forward_headers(header: str) -> None:
    assert read("Subject: invoice", header).forwarded is True


def test_a3c_a_forwarded_message_rfc822_part() -> None:
    inner = EmailMessage()
    inner["From"] = "carl@example.net"
    inner["Subject"] = "The original"
    inner.set_content("Original words.")
    outer = EmailMessage()
    outer["From"] = "ann@example.com"
    outer["Subject"] = "Look at this"
    outer.set_content("See below.")
    outer.add_attachment(inner)
    got = read_mail(outer.as_bytes())
    assert got.forwarded is True
    assert got.text == "See below."
    assert [a.type for a in got.attachments] == ["message/rfc822"]
    name, saved = attachment_bytes(outer.as_bytes(), 0)
    assert name == "message.eml" and b"Original words." in saved


# -- what will not parse -----------------------------------------------------------------


@pytest.mark.parametrize(("raw", "reason"), [
    (b"", "it is empty"),
    (b"  \n\n", "it is empty"),
    (b"Hello, this is just some text.\nNo headers here.\n", "it is not an email: no headers"),
    (b"\nFrom: ann@example.com\n\nbody", "it is not an email: no headers"),
    (b"Subject: no sender\n\nbody\n", "it has no From address"),
    (b"From: Ann Example\nSubject: x\n\nbody\n", "it has no From address"),
    (b"From: <>\nSubject: x\n\nbody\n", "it has no From address"),
])
def test_a1_what_will_not_parse_is_unreadable_with_its_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(Unreadable, match=reason) as raised:
        read_mail(raw)
    assert isinstance(raised.value, DeskError)


def test_a1_a_message_over_the_size_limit_is_unreadable() -> None:
    with pytest.raises(Unreadable, match="more than the 40 MB"):
        read_mail(mail(data=b"x" * (MAX_MAIL_BYTES + 1)))


def test_a1_an_mbox_from_line_from_an_mta_pipe_is_fine() -> None:
    raw = b"From ann@example.com Wed Dec  2 10:00:00 2026\n" + mail()
    assert read_mail(raw).sender == "ann@example.com"


def test_a1_broken_mime_is_read_as_far_as_it_goes() -> None:
    raw = (b"From: ann@example.com\nContent-Type: multipart/mixed; boundary=\"never\"\n\n"
           b"no boundary ever comes\n")
    got = read_mail(raw)
    assert got.sender == "ann@example.com"
    assert got.text == "no boundary ever comes"
    assert got.attachments == []


# -- start-up: the reader loads its heavy libraries when a message needs them -----------


def test_c1_importing_the_reader_leaves_the_heavy_libraries_unloaded() -> None:
    import subprocess
    import sys

    code = ("import sys, core.mail.reading; "
            "print(sorted(m for m in ('charset_normalizer', 'inscriptis', 'lxml', "
            "'mailparser_reply') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_c1_multipart_built_the_old_way_reads_the_same() -> None:
    outer = MIMEMultipart("alternative")
    outer["From"] = "Ann <ann@example.com>"
    outer.attach(MIMEText("plain café", "plain", "utf-8"))
    outer.attach(MIMEText("<p>html</p>", "html", "utf-8"))
    got = read_mail(outer.as_bytes())
    assert got.text == "plain café"
    assert got.attachments == []
