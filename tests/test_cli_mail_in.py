"""The command line of email in (issue 13, items 1, 2, 4, 5): channels,
ingest and the quarantine, the conversation in `ticket show`, replies and
notes, attachments saved on request."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path
from typing import Any

from cli_fixtures import Result
from message_fixtures import KARI, SUPPORT, message


def setup(run: Any) -> None:
    assert run("channel", "add", "email", SUPPORT, "--pipeline", "0").code == 0


def test_a1_channels_are_added_listed_switched_and_removed(run: Any) -> None:
    added = run("channel", "add", "email", SUPPORT, "--pipeline", "0", "--stage",
                "Waiting on contact")
    assert added.code == 0, added.err
    assert "comes into Support pipeline / Waiting on contact" in added.out
    [listed] = run("channel", "list", "--json").json()
    assert (listed["address"], listed["stage_label"], listed["create_tickets"],
            listed["source"]) == (SUPPORT, "Waiting on contact", True,
                                  "piped in (pipedesk mail ingest)")
    assert run("channel", "set", SUPPORT, "create-tickets", "off").code == 0
    assert run("channel", "list", "--json").json()[0]["create_tickets"] is False
    assert run("channel", "remove", SUPPORT).code == 0
    assert run("channel", "list", "--json").json() == []


def test_a1_channel_refusals_say_what_and_exit_1(run: Any) -> None:
    setup(run)
    for args, said in [
        (("channel", "add", "email", SUPPORT, "--pipeline", "0"), "exists already"),
        (("channel", "add", "email", "not an address", "--pipeline", "0"),
         "is not an email address"),
        (("channel", "add", "email", "b@x.example", "--pipeline", "nowhere"),
         "No pipeline 'nowhere'"),
        (("channel", "add", "email", "b@x.example", "--pipeline", "0", "--imap-host", "h"),
         "needs a user"),
        (("channel", "set", "nobody@x.example", "create-tickets", "on"),
         "No channel 'nobody@x.example'"),
    ]:
        done: Result = run(*args)
        assert (done.code, said in done.err) == (1, True), (args, done.err)
        assert "Traceback" not in done.err
    both = run("channel", "add", "email", "b@x.example", "--pipeline", "0", "--maildir", "m",
               "--imap-host", "h")
    assert both.code == 2 and "not both" in both.err


def test_mail_ingest_takes_files_and_says_what_became_of_each(run: Any,
                                                              tmp_path: Path) -> None:
    setup(run)
    first, again, junk = tmp_path / "1.eml", tmp_path / "2.eml", tmp_path / "3.eml"
    first.write_bytes(message())
    again.write_bytes(message())
    junk.write_bytes(b"not an email at all\n")
    done = run("mail", "ingest", "--json", str(first), str(again), str(junk))
    assert done.code == 0, done.err
    outcomes = [(i["outcome"], i["ticket"]) for i in done.json()]
    assert outcomes == [("created", "1"), ("duplicate", "1"), ("quarantined", None)]
    [held] = run("mail", "quarantine", "list", "--json").json()
    assert held["reason"].startswith("it is not an email: no headers")
    text = run("mail", "ingest", str(first))
    assert text.out.startswith("duplicate <first@example.no>, ticket #1")
    missing = run("mail", "ingest", str(tmp_path / "nowhere.eml"))
    assert missing.code == 2 and "Cannot read" in missing.err


def test_a_quarantined_message_is_taken_again_once_a_channel_takes_it(run: Any,
                                                                       tmp_path: Path) -> None:
    path = tmp_path / "1.eml"
    path.write_bytes(message())
    [held] = run("mail", "ingest", "--json", str(path)).json()
    assert held["outcome"] == "quarantined" and "no email channel yet" in held["reason"]
    [listed] = run("mail", "quarantine", "list", "--json").json()
    setup(run)
    [taken] = run("mail", "quarantine", "retry", listed["id"], "--json").json()
    assert (taken["outcome"], taken["ticket"]) == ("created", "1")
    assert run("mail", "quarantine", "list", "--json").json() == []
    gone = run("mail", "quarantine", "retry", listed["id"])
    assert gone.code == 1 and "No message" in gone.err


def test_c1_ticket_show_replies_and_notes(run: Any, tmp_path: Path) -> None:
    setup(run)
    path = tmp_path / "1.eml"
    path.write_bytes(message())
    run("mail", "ingest", str(path))
    reply = run("ticket", "reply", "1", "--text", "Is it plugged in?")
    assert reply.code == 0, reply.err
    assert "Ticket #1 is in Waiting on contact" in reply.out
    note = tmp_path / "note.txt"
    note.write_text("Kari called.\n")
    assert run("ticket", "note", "1", "--file", str(note)).code == 0
    shown = run("ticket", "show", "1", "--json").json()
    conversation = [(c["direction"], c["from"], c["text"].strip())
                    for c in shown["conversation"]]
    assert conversation == [("in", KARI, "It burns."),
                            ("out", SUPPORT, "Is it plugged in?"),
                            ("note", "user:admin", "Kari called.")]
    assert set(shown["conversation"][0]) >= {"direction", "from", "to", "cc", "subject",
                                              "date", "message_id", "text", "auto",
                                              "forwarded"}
    said = run("ticket", "show", "1").out
    assert "Conversation" in said and "<- kari@example.no: Printer on fire" in said
    for args, code, text in [
        (("ticket", "reply", "1"), 2, "--text T or --file F"),
        (("ticket", "reply", "1", "--text", "   "), 1, "The reply is empty"),
        (("ticket", "reply", "9", "--text", "hi"), 1, "No ticket #9"),
        (("ticket", "note", "1", "--text", "a\x1b[2Jb"), 1, "The note"),
    ]:
        done = run(*args)
        assert (done.code, text in done.err) == (code, True), (args, done.err)


def test_c1_an_attachment_is_saved_on_request_under_its_own_name_only(
        run: Any, tmp_path: Path, monkeypatch: Any) -> None:
    setup(run)
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = KARI, SUPPORT, "Photo"
    mail["Message-ID"] = "<photo@example.no>"
    mail.set_content("See attached.\n")
    mail.add_attachment(b"\x89PNG fake", maintype="image", subtype="png",
                        filename="../../etc/evil.png")
    path = tmp_path / "1.eml"
    path.write_bytes(mail.as_bytes())
    run("mail", "ingest", str(path))
    # The reader keeps only the last part of a name a sender gave.
    assert "[1.1] evil.png (9 bytes, image/png)" in run("ticket", "show", "1").out
    monkeypatch.chdir(tmp_path)
    saved = run("ticket", "attachment", "1", "1.1")
    assert saved.code == 0, saved.err
    assert (tmp_path / "evil.png").read_bytes() == b"\x89PNG fake"
    again = run("ticket", "attachment", "1", "1.1")
    assert again.code == 2 and "exists already" in again.err
    for which, said in (("1.2", "no attachment 2"), ("7.1", "has no message 7"),
                        ("x", "MESSAGE.N")):
        done = run("ticket", "attachment", "1", which, "--to", str(tmp_path / "out"))
        assert said in done.err and done.code in (1, 2), (which, done.err)


def test_a3_the_triggers_are_switched_and_aimed_from_the_command_line(run: Any) -> None:
    setup(run)
    done = run("automation", "set", "0", "email-sent", "off")
    assert done.code == 0 and "email-sent off, moves tickets to 'Waiting on contact'" in done.out
    aimed = run("automation", "set", "0", "customer-replied", "--stage", "New")
    assert "customer-replied on, moves tickets to 'New'" in aimed.out
    listed = run("automation", "list", "0", "--json").json()
    assert listed["email_sent"] == {"on": False, "stage": "2"}
    assert listed["customer_replied"] == {"on": True, "stage": "1"}
    wrong = run("automation", "set", "0", "close-date", "--stage", "New")
    assert wrong.code == 2 and "takes on or off" in wrong.err
