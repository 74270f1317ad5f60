"""Mail in from real sources (issue 13, items 2, 7, 8 and its Done-when):
`pipedesk mail ingest` fed on standard input as an MTA pipes it, `pipedesk
mail fetch` from a real Dovecot on loopback and from a Maildir folder, the
reply over a real SMTP server (aiosmtpd), and a fetch killed midway that
loses nothing and doubles nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from imap_fixtures import ImapServer
from mail_fixtures import Inbox
from message_fixtures import KARI, SUPPORT, message

from core import LOCAL_ADMIN, open_desk
from core.model import SmtpSettings

PASSWORD_ENV = "PIPEDESK_TEST_IMAP_PASSWORD"


def pipedesk(home: Path, *args: str, stdin: bytes = b"",
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """The real command, in its own process, as an MTA or a person runs it."""
    return subprocess.run([sys.executable, "-m", "cli", "--data-dir", str(home), *args],
                          input=stdin, capture_output=True, timeout=60,
                          env={**os.environ, **(env or {})})


def as_json(done: subprocess.CompletedProcess[bytes]) -> Any:
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def show(home: Path, ticket: str) -> Any:
    return as_json(pipedesk(home, "ticket", "show", ticket, "--json"))


def stage_label(home: Path, ticket: str) -> str:
    return str(show(home, ticket)["ticket"]["stage_label"])


@pytest.fixture
def desk_home(tmp_path: Path, imap_server: ImapServer,
              smtp_server: tuple[Inbox, SmtpSettings]) -> Path:
    """A desk whose channel fetches from the Dovecot account and whose mail
    goes to the loopback SMTP server, set up with the commands a person uses."""
    home = tmp_path / "desk"
    _, smtp = smtp_server
    for args in (("channel", "add", "email", SUPPORT, "--pipeline", "0",
                  "--imap-host", imap_server.host, "--imap-port", str(imap_server.port),
                  "--imap-security", "starttls", "--imap-user", imap_server.user,
                  "--imap-password-env", PASSWORD_ENV,
                  "--imap-ca-file", str(imap_server.ca_file)),
                 ("mail", "smtp", smtp.host, "--port", str(smtp.port), "--security", "none"),
                 ("mail", "from", f"Support <{SUPPORT}>")):
        done = pipedesk(home, *args)
        assert done.returncode == 0, done.stderr.decode()
    return home


def fetch(home: Path, imap_server: ImapServer) -> Any:
    return as_json(pipedesk(home, "mail", "fetch", "--json",
                            env={PASSWORD_ENV: imap_server.password}))


def test_done_when_piped_in_replied_over_smtp_answered_through_imap_and_reopened(
        desk_home: Path, imap_server: ImapServer,
        smtp_server: tuple[Inbox, SmtpSettings]) -> None:
    smtp_inbox, _ = smtp_server
    # A message piped to `mail ingest` makes a ticket in the channel's pipeline.
    [taken] = as_json(pipedesk(desk_home, "mail", "ingest", "--json", stdin=message()))
    assert taken == {"message_id": "first@example.no", "outcome": "created", "ticket": "1",
                     "reason": ""}
    shown = show(desk_home, "1")
    assert (shown["ticket"]["pipeline"], shown["ticket"]["stage_label"]) == ("0", "New")
    assert shown["conversation"][0]["direction"] == "in"

    # The agent's reply reaches the SMTP server threaded, and moves the ticket.
    done = pipedesk(desk_home, "ticket", "reply", "1", "--text", "Is it plugged in?")
    assert done.returncode == 0, done.stderr.decode()
    [reply] = smtp_inbox.received
    assert reply["In-Reply-To"] == "<first@example.no>"
    assert reply["Subject"] == "Re: Printer on fire [#1]"
    assert smtp_inbox.envelopes[0][1] == [KARI]
    assert stage_label(desk_home, "1") == "Waiting on contact"

    # The contact's answer, delivered to Dovecot and fetched, lands and moves it.
    answer = message("Re: Printer on fire [#1]", "Yes it is.\n", message_id="<2@example.no>",
                     in_reply_to=str(reply["Message-ID"]), references="<first@example.no> "
                     + str(reply["Message-ID"]))
    uid = imap_server.deliver(answer)
    assert [i["outcome"] for i in fetch(desk_home, imap_server)] == ["appended"]
    assert stage_label(desk_home, "1") == "Waiting on us"
    assert "\\Seen" in imap_server.flags(uid)
    conversation = show(desk_home, "1")["conversation"]
    assert [(c["direction"], c["text"].strip()) for c in conversation] == [
        ("in", "It burns."), ("out", "Is it plugged in?"), ("in", "Yes it is.")]

    # The same reply on a Closed ticket reopens it.
    assert pipedesk(desk_home, "ticket", "move", "1", "Closed").returncode == 0
    imap_server.deliver(answer.replace(b"<2@example.no>", b"<3@example.no>"))
    assert [i["outcome"] for i in fetch(desk_home, imap_server)] == ["appended"]
    assert stage_label(desk_home, "1") == "New"
    assert show(desk_home, "1")["ticket"]["close_date"] is None
    # Nothing is fetched twice.
    assert fetch(desk_home, imap_server) == []


def test_a_wrong_imap_password_is_said_and_exits_75_and_the_mail_waits(
        desk_home: Path, imap_server: ImapServer) -> None:
    imap_server.deliver(message())
    done = pipedesk(desk_home, "mail", "fetch", env={PASSWORD_ENV: "wrong"})
    assert done.returncode == 75
    said = done.stderr.decode()
    assert "refused the login" in said and "Traceback" not in said
    assert len(imap_server.unseen()) == 1


def test_mail_ingest_exits_75_when_the_message_cannot_be_stored(tmp_path: Path) -> None:
    home = tmp_path / "desk"
    assert pipedesk(home, "channel", "add", "email", SUPPORT, "--pipeline", "0").returncode == 0
    # The inbox cannot take it (as a full disk would refuse it): a file
    # stands where its folder goes.
    (home / "inbox").write_bytes(b"")
    done = pipedesk(home, "mail", "ingest", stdin=message())
    assert done.returncode == 75
    assert b"try again" in done.stderr and b"Traceback" not in done.stderr
    (home / "inbox").unlink()
    # The MTA tries again: taken, once.
    assert as_json(pipedesk(home, "mail", "ingest", "--json", stdin=message()))[0][
        "outcome"] == "created"


def test_a_maildir_channel_takes_new_mail_and_marks_it_seen(tmp_path: Path) -> None:
    home, maildir = tmp_path / "desk", tmp_path / "Maildir"
    for folder in ("new", "cur", "tmp"):
        (maildir / folder).mkdir(parents=True)
    (maildir / "new" / "1.host").write_bytes(message())
    assert pipedesk(home, "channel", "add", "email", SUPPORT, "--pipeline", "0",
                    "--maildir", str(maildir)).returncode == 0
    [taken] = as_json(pipedesk(home, "mail", "fetch", "--json"))
    assert taken["outcome"] == "created"
    assert list((maildir / "new").iterdir()) == []
    assert [p.name for p in (maildir / "cur").iterdir()] == ["1.host:2,S"]
    assert as_json(pipedesk(home, "mail", "fetch", "--json")) == []


def test_a_fetch_killed_midway_loses_nothing_and_doubles_nothing(
        desk_home: Path, imap_server: ImapServer) -> None:
    journal, inbox = desk_home / "tickets.jsonl", desk_home / "inbox"

    def size() -> int:
        return journal.stat().st_size if journal.exists() else 0

    def kept() -> bool:  # something in the desk's inbox not taken yet
        return any((inbox / folder).is_dir() and any((inbox / folder).iterdir())
                   for folder in ("tmp", "new"))

    before = size()
    points: dict[str, Callable[[], bool]] = {"at once": lambda: True,
              "once kept in the inbox, before it is taken": kept,
              "once taken, before the server hears it was seen": lambda: size() > before}
    asked = 0
    for point, reached in points.items():
        for n in range(asked, asked + 10):
            imap_server.deliver(message(f"Question {n}", message_id=f"<q{n}@example.no>"))
        asked += 10
        before = size()
        proc = subprocess.Popen([sys.executable, "-m", "cli", "--data-dir", str(desk_home),
                                 "mail", "fetch"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL,
                                env={**os.environ, PASSWORD_ENV: imap_server.password})
        deadline = time.monotonic() + 30
        while not reached() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, f"the fetch ended before the kill ({point})"
    # What a crash left in the inbox is taken again (by the next fetch, once
    # it is older than a running fetch's work: here at once), and the
    # server's unseen mail is fetched again; the dedupe keeps each once.
    from core.mail.intake import retake_pending

    desk = open_desk(desk_home)
    retake_pending(desk, older_than=0)
    fetch(desk_home, imap_server)
    desk.refresh()
    subjects = sorted(t.subject for t in desk.tickets(LOCAL_ADMIN))
    assert subjects == sorted(f"Question {n}" for n in range(asked))
    assert imap_server.unseen() == []
    assert list((inbox / "new").iterdir()) == []


def test_the_worker_takes_mail_as_the_imap_server_announces_it(
        desk_home: Path, imap_server: ImapServer) -> None:
    """IDLE: with a minute between its rounds, the worker still takes the
    message within seconds of its arrival, because the server says so."""
    worker = subprocess.Popen([sys.executable, "-m", "cli", "--data-dir", str(desk_home),
                               "worker", "--interval", "60"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL,
                              env={**os.environ, PASSWORD_ENV: imap_server.password})
    try:
        time.sleep(2)  # its first round done, its IDLE open
        started = time.monotonic()
        imap_server.deliver(message())
        desk = open_desk(desk_home)
        while not desk.tickets(LOCAL_ADMIN) and time.monotonic() - started < 20:
            time.sleep(0.05)
            desk.refresh()
        took = time.monotonic() - started
    finally:
        worker.terminate()
        worker.wait(10)
    assert [t.subject for t in desk.tickets(LOCAL_ADMIN)] == ["Printer on fire"]
    assert took < 10, took  # well before the next round, 60 s away
