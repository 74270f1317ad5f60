"""Reading incoming mail (issue 13, items 4, 6, 7): the shapes real mail
comes in, read from literal bytes as a mail server hands them over."""

from __future__ import annotations

import base64
from email.message import EmailMessage

import pytest

from core.mail.folding import folded
from core.mail.reading import Unreadable, attachment_bytes, read_mail

HEAD = b"From: Kari Nordmann <kari@example.no>\nTo: support@pipedesk.example\n"


def mail(headers: bytes, body: bytes = b"Hello\n") -> bytes:
    return HEAD + headers + b"\n" + body


# -- ids, read leniently ------------------------------------------------------------------


@pytest.mark.parametrize("header, ids", [
    (b"References: <a@x> <b@y>\n", ["a@x", "b@y"]),
    (b"References: a@x\n", ["a@x"]),  # no brackets at all
    (b"References: <a@x> (a comment)\n <b@y>\n", ["a@x", "b@y"]),  # folded, commented
    (b"References: <a@x>,<b@y>, <c@z>\n", ["a@x", "b@y", "c@z"]),  # commas
    (b"References: <a@x> <a@x>\n", ["a@x"]),
])
def test_references_are_read_however_clients_write_them(header: bytes, ids: list[str]) -> None:
    assert read_mail(mail(b"Subject: x\nMessage-ID: <m@x>\n" + header)).references == ids


def test_message_id_and_in_reply_to_without_brackets() -> None:
    read = read_mail(mail(b"Subject: x\nMessage-ID: m1@example.no\nIn-Reply-To: p1@x (Kari)\n"))
    assert (read.message_id, read.in_reply_to) == ("m1@example.no", ["p1@x"])


def test_a_message_without_a_message_id_has_none_and_a_digest() -> None:
    read = read_mail(mail(b"Subject: x\n"))
    assert read.message_id is None and len(read.digest) == 64


# -- text, whatever the charset claims ---------------------------------------------------


def test_iso_2022_jp_comes_out_right() -> None:
    body = "こんにちは、プリンターが壊れました。\n".encode("iso-2022-jp")
    subject = b"=?ISO-2022-JP?B?" + base64.b64encode("件名".encode("iso-2022-jp")) + b"?="
    read = read_mail(mail(b"Subject: " + subject + b"\nMIME-Version: 1.0\n"
                          b"Content-Type: text/plain; charset=ISO-2022-JP\n"
                          b"Content-Transfer-Encoding: 7bit\n", body))
    assert read.text.strip() == "こんにちは、プリンターが壊れました。"
    assert read.subject == "件名"


@pytest.mark.parametrize("label", ["us-ascii", "iso-8859-1"])
def test_utf8_labelled_as_something_else_comes_out_right(label: str) -> None:
    read = read_mail(mail(b"Subject: x\nContent-Type: text/plain; charset=" + label.encode()
                          + b"\nContent-Transfer-Encoding: 8bit\n",
                          "Blåbærsyltetøy på skrivaren, även på måndag\n".encode()))
    assert read.text.strip() == "Blåbærsyltetøy på skrivaren, även på måndag"


def test_latin1_labelled_latin1_stays_latin1() -> None:
    read = read_mail(mail(b"Subject: x\nContent-Type: text/plain; charset=iso-8859-1\n"
                          b"Content-Transfer-Encoding: 8bit\n", "Smørbrød\n".encode("latin-1")))
    assert read.text.strip() == "Smørbrød"


def test_an_unknown_charset_falls_back_to_detection() -> None:
    text = "Привет, принтер сломался. Пожалуйста, помогите нам как можно скорее.\n"
    read = read_mail(mail(b"Subject: x\nContent-Type: text/plain; charset=x-no-such\n"
                          b"Content-Transfer-Encoding: 8bit\n", text.encode("cp1251")))
    assert read.text.strip() == text.strip()


def test_html_only_mail_is_shown_as_text() -> None:
    html = (b"<html><head><style>p {color: red}</style><script>alert(1)</script></head>"
            b"<body><p>Hello <b>support</b>,</p><ul><li>printer</li><li>fire</li></ul>"
            b"</body></html>")
    read = read_mail(mail(b"Subject: x\nContent-Type: text/html; charset=utf-8\n", html))
    assert "Hello support," in read.text
    assert "printer" in read.text and "fire" in read.text
    assert "alert" not in read.text and "color" not in read.text and "<" not in read.text


def test_hostile_text_comes_out_harmless() -> None:
    read = read_mail(mail(b"Subject: Hi \x1b]0;pwned\x07 \x1b[31mred\n",
                          b"Look \x1b[2J here\x1b]8;;http://evil\x1b\\link\n"))
    for text in (read.subject, read.text):
        assert "\x1b" not in text and "\x07" not in text
    assert "red" in read.subject and "here" in read.text


def test_an_attachment_is_named_sized_and_saved_on_request() -> None:
    message = EmailMessage()
    message["From"] = "kari@example.no"
    message["To"] = "support@pipedesk.example"
    message["Subject"] = "Photo"
    message.set_content("See the photo.\n")
    photo = bytes(range(256)) * 4
    message.add_attachment(photo, maintype="image", subtype="png", filename="skriver på.png")
    raw = message.as_bytes()
    read = read_mail(raw)
    assert read.text.strip() == "See the photo."
    [attached] = read.attachments
    assert (attached.name, attached.size, attached.type) == ("skriver på.png", 1024,
                                                             "image/png")
    assert attachment_bytes(raw, 0) == ("skriver på.png", photo)


# -- machine mail and forwards -------------------------------------------------------------


@pytest.mark.parametrize("headers, reason", [
    (b"Auto-Submitted: auto-replied\n", "Auto-Submitted"),
    (b"Precedence: bulk\n", "Precedence"),
    (b"Precedence: junk\n", "Precedence"),
    (b"Precedence: list\n", "Precedence"),
    (b"X-Autoreply: yes\n", "X-Autoreply"),
    (b"X-Autorespond: yes\n", "X-Autorespond"),
    (b"X-Auto-Response-Suppress: All\n", "X-Auto-Response-Suppress"),
    (b"List-Id: <users.lists.example>\n", "list mail"),
    (b"List-Unsubscribe: <mailto:leave@lists.example>\n", "list mail"),
    (b"Return-Path: <>\n", "empty Return-Path"),
])
def test_machine_mail_is_named_with_its_reason(headers: bytes, reason: str) -> None:
    assert reason in read_mail(mail(b"Subject: x\n" + headers)).auto


def test_auto_submitted_no_is_a_person() -> None:
    assert read_mail(mail(b"Subject: x\nAuto-Submitted: no\n")).auto == ""


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.no", "postmaster@example.no"])
def test_mailer_daemon_and_postmaster_are_machines(sender: str) -> None:
    raw = b"From: " + sender.encode() + b"\nTo: support@pipedesk.example\nSubject: x\n\nHi\n"
    assert read_mail(raw).auto


def test_a_bounce_gives_up_the_message_id_of_the_mail_it_returns() -> None:
    raw = (b"From: Mail Delivery System <MAILER-DAEMON@mx.example.no>\n"
           b"To: support@pipedesk.example\nSubject: Undelivered Mail\nMessage-ID: <b@mx>\n"
           b"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status;"
           b" boundary=XX\n\n--XX\nContent-Type: text/plain\n\nCould not deliver.\n"
           b"--XX\nContent-Type: message/delivery-status\n\nAction: failed\n\n"
           b"--XX\nContent-Type: message/rfc822\n\nFrom: support@pipedesk.example\n"
           b"Message-ID: <pd.1.abc@pipedesk.example>\nSubject: Re: x [#1]\n\nbody\n--XX--\n")
    read = read_mail(raw)
    assert read.auto.startswith("a delivery report")
    assert read.references == ["pd.1.abc@pipedesk.example"]
    assert not read.forwarded  # the returned message is kept as an attachment
    assert read.text.strip() == "Could not deliver."


@pytest.mark.parametrize("subject", ["Fwd: Printer", "FW: Printer", "WG: Drucker",
                                     "VS: Skrivaren", "TR: Imprimante", "Doorst: Printer",
                                     "Re: Fwd: Printer", "fw: printer", "RV: Impresora"])
def test_a_forward_is_known_in_several_languages(subject: str) -> None:
    assert read_mail(mail(b"Subject: " + subject.encode() + b"\n")).forwarded


def test_a_subject_that_only_looks_like_one_is_no_forward() -> None:
    assert not read_mail(mail(b"Subject: Vs. last week: printer\n")).forwarded
    assert not read_mail(mail(b"Subject: Re: Printer\n")).forwarded


def test_a_forward_marked_by_header_or_by_an_attached_message() -> None:
    assert read_mail(mail(b"Subject: Printer\nX-Forwarded-Message-Id: <a@x>\n")).forwarded
    raw = (HEAD + b"Subject: Printer\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\n"
           b"See below.\n--B\nContent-Type: message/rfc822\n\nFrom: boss@example.no\n"
           b"Subject: the printer\n\nIt is broken.\n--B--\n")
    read = read_mail(raw)
    assert read.forwarded
    assert read.text.strip() == "See below."
    assert [a.type for a in read.attachments] == ["message/rfc822"]


# -- what will not parse ------------------------------------------------------------------------


@pytest.mark.parametrize("raw, reason", [
    (b"", "it is empty"),
    (b"\n\n  \n", "it is empty"),
    (b"Dear support, my printer is on fire.\n", "it is not an email: no headers"),
    (b"Subject: hi\n\nno sender\n", "it has no From address"),
    (b"From: not an address\nSubject: hi\n\nx\n", "it has no From address"),
])
def test_what_is_no_email_is_said(raw: bytes, reason: str) -> None:
    with pytest.raises(Unreadable) as refused:
        read_mail(raw)
    assert reason in refused.value.message


def test_an_mbox_from_line_before_the_headers_is_fine() -> None:
    read = read_mail(b"From kari@example.no Mon Nov 23 09:00:00 2026\n" + mail(b"Subject: x\n"))
    assert read.sender == "kari@example.no"


def test_recipients_include_where_it_was_delivered() -> None:
    read = read_mail(mail(b"Subject: x\nCc: Boss <Boss@Example.no>\n"
                          b"Delivered-To: Help@Pipedesk.example\n"))
    assert read.recipients == ["support@pipedesk.example", "boss@example.no",
                               "help@pipedesk.example"]


# -- folding quotes and signatures ---------------------------------------------------------------


@pytest.mark.parametrize("language, header", [
    ("en", "On Mon, 23 Nov 2026 at 09:00, Support <support@pipedesk.example> wrote:"),
    ("sv", "Den 23 nov. 2026 kl. 09:00 skrev Support <support@pipedesk.example>:"),
    ("no", "man. 23. nov. 2026 kl. 09:00 skrev Support <support@pipedesk.example>:"),
    ("nl", "Op ma 23 nov. 2026 om 09:00 schreef Support <support@pipedesk.example>:"),
    ("outlook", "-----Original Message-----"),
    ("outlook-sv", "-----Ursprungligt meddelande-----"),
])
def test_quoted_history_is_folded(language: str, header: str) -> None:
    text = f"It works now, thanks.\n\n{header}\n> Did you try turning it off?\n> \n"
    [body, history] = folded(text)
    assert (body.kind, body.folded, body.text.strip()) == ("body", False,
                                                           "It works now, thanks.")
    assert (history.kind, history.folded) == ("quote", True)
    assert history.text.startswith(header)
    assert "".join(f.text for f in folded(text)) .replace("\n", "") == text.replace("\n", "")


def test_a_signature_is_folded_but_a_sign_off_and_a_list_are_not() -> None:
    text = "Steps I tried:\n- off\n- on\n\nThanks,\nKari\n-- \nKari Nordmann\nAcme AS\n"
    runs = folded(text)
    assert [(f.kind, f.folded) for f in runs] == [("body", False), ("signature", True)]
    assert runs[0].text.endswith("Thanks,\nKari")
    assert runs[1].text.startswith("-- \nKari Nordmann")


def test_quote_lines_in_the_middle_are_folded_where_they_are() -> None:
    text = "> Is it on?\nYes.\n> And now?\nNo.\n"
    assert [(f.kind, f.text) for f in folded(text)] == [
        ("quote", "> Is it on?"), ("body", "Yes."), ("quote", "> And now?"), ("body", "No.\n")]


def test_hostile_long_lines_fold_at_once_and_fold_nothing_they_should_not() -> None:
    """The reply-header patterns take time that grows steeply with a line's
    length: tried on long lines, one message like these would hold the
    screen for minutes. Only short lines ending in a colon are tried."""
    endless = "Hello\nOn " + "a " * 30000 + "wrote:\n"
    assert [f.kind for f in folded(endless)] == ["body"]
    many = "Hello\n" + ("On x wrote y " * 15 + ":\n") * 3000
    assert [f.kind for f in folded(many)] == ["body"]


def test_a_customer_s_own_on_monday_i_wrote_is_no_reply_header() -> None:
    text = "Hello,\nOn Monday I wrote:\nthe printer smokes.\nNow it burns.\n"
    assert [f.kind for f in folded(text)] == ["body"]
