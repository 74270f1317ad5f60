"""A real IMAP server on loopback for the mail-in tests: Dovecot (Debian's
`dovecot-imapd`, which `make test` installs when missing), started by the
tests in a temporary directory with its own config file, its own base and
state dirs and a throwaway user. The system's Dovecot service is not used
and need not run.

Usage: take the `imap_server` fixture. It is the same server for the whole
session (it starts in well under a second, once), emptied before each test
that takes it: every folder but INBOX deleted, INBOX emptied.

    def test_a1_...(imap_server: ImapServer) -> None:
        uid = imap_server.deliver(raw_bytes)              # APPEND to INBOX
        imap_server.deliver(raw_bytes, folder="Support")  # made when missing
        with ImapMailbox(imap_server.host, imap_server.port, "starttls",
                         imap_server.user, imap_server.password, "INBOX",
                         ca_file=imap_server.ca_file) as mailbox: ...

`port` is plain IMAP that offers STARTTLS; `tls_port` is TLS from the first
byte. Both present a self-signed certificate for 127.0.0.1 and localhost:
`ca_file` is that certificate, to trust it. `deliver` APPENDs over IMAP
(not a file dropped in the Maildir) so that Dovecot notices at once and a
client in IDLE hears of it; `unseen(folder)` and `flags(uid)` read the
folder as another mail program would. `maildir` is the account's Maildir.

Running as root (as here and in CI) Dovecot refuses to serve mail or run
its login processes as root, so those run as `nobody`, who owns the
Maildir; as any other user everything runs as that user. Without Dovecot
the tests that take the fixture are skipped with the reason, except under
CI (CI=true), where they fail: there `make test` must have installed it.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import imapclient
import pytest
from mail_fixtures import free_port

# Where Debian puts the daemon; a user's PATH often lacks the sbin dirs.
_SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
USER, PASSWORD = "desk", "imap-s3cret"


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int        # plain IMAP, STARTTLS offered
    tls_port: int    # TLS from the first byte
    user: str
    password: str
    maildir: Path
    ca_file: Path    # the server's self-signed certificate
    config: Path
    log: Path

    def connect(self) -> imapclient.IMAPClient:
        """Another mail program's connection, logged in (the caller logs out)."""
        client = imapclient.IMAPClient(self.host, self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        return client

    def deliver(self, raw: bytes, folder: str = "INBOX", seen: bool = False) -> int:
        """APPEND `raw` to `folder` (made when missing); its UID."""
        client = self.connect()
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            answer = client.append(folder, raw, flags=[imapclient.SEEN] if seen else [])
        finally:
            client.logout()
        # "[APPENDUID <uidvalidity> <uid>] Append completed." (RFC 4315)
        return int(answer.split(b"]")[0].split()[-1])

    def unseen(self, folder: str = "INBOX") -> list[int]:
        client = self.connect()
        try:
            client.select_folder(folder, readonly=True)
            return sorted(int(uid) for uid in client.search(["UNSEEN"]))
        finally:
            client.logout()

    def flags(self, uid: int, folder: str = "INBOX") -> set[str]:
        client = self.connect()
        try:
            client.select_folder(folder, readonly=True)
            found = client.get_flags([uid]).get(uid, ())
            return {flag.decode() for flag in found}
        finally:
            client.logout()

    def empty(self) -> None:
        """Every folder but INBOX deleted, INBOX emptied."""
        client = self.connect()
        try:
            for _flags, _sep, name in client.list_folders():
                if name != "INBOX":
                    client.delete_folder(name)
            client.select_folder("INBOX")
            client.delete_messages(client.search(["ALL"]))
            client.expunge()
        finally:
            client.logout()


def dovecot_binary() -> str | None:
    return shutil.which("dovecot", path=_SEARCH_PATH)


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    # An EC key: made in a few milliseconds, where RSA takes tens.
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def _config(folder: Path, port: int, tls_port: int, cert: Path, key: Path) -> str:
    me = pwd.getpwuid(os.getuid())
    # Dovecot never runs its login processes or mail access as root.
    mail_user = pwd.getpwnam("nobody") if me.pw_uid == 0 else me
    return f"""\
# A throwaway Dovecot for pipedesk's tests (tests/imap_fixtures.py).
protocols = imap
listen = 127.0.0.1
instance_name = pipedesk-test-{port}
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
default_internal_user = {me.pw_name}
default_internal_group = {grp.getgrgid(me.pw_gid).gr_name}
default_login_user = {mail_user.pw_name}
first_valid_uid = 1
mail_uid = {mail_user.pw_uid}
mail_gid = {mail_user.pw_gid}
mail_location = maildir:{folder}/Maildir
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
# Plain passwords over plain IMAP on loopback, and no pause after a refused
# login (Dovecot waits 2 s by default; a test of a wrong password would).
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = static
  args = home={folder}/Maildir
}}
# Nor a growing pause for the next logins from an address that failed one
# (anvil's auth penalty), which would slow the tests after that one.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
"""


def _wait_for(port: int, server: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.01)
    server.kill()
    server.wait()
    said = "".join(path.read_text(errors="replace") for path in
                   (folder / "dovecot.out", folder / "dovecot.log") if path.exists())
    raise RuntimeError(f"Dovecot did not start on 127.0.0.1:{port}:\n{said}")


@contextmanager
def running_dovecot(binary: str) -> Iterator[ImapServer]:
    """A throwaway Dovecot, stopped and removed at the end (the fixture's,
    and bench/mail.py's)."""
    # Not under pytest's tmp_path: its folders are 0700, and the server's
    # `nobody` must reach the Maildir and the login sockets.
    folder = Path(tempfile.mkdtemp(prefix="pipedesk-dovecot-"))
    try:
        folder.chmod(0o755)
        cert, key = _certificate(folder)
        mail = folder / "Maildir"
        mail.mkdir()
        port, tls_port = free_port(), free_port()
        config = folder / "dovecot.conf"
        config.write_text(_config(folder, port, tls_port, cert, key))
        (folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        if os.getuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(mail, nobody.pw_uid, nobody.pw_gid)
        # -F: in the foreground, as our child, so that stopping it is ours.
        # What it says before its log is open (a bad setting) goes to a file:
        # a pipe nobody reads could fill and stop it.
        with open(folder / "dovecot.out", "wb") as out:
            server = subprocess.Popen([binary, "-F", "-c", str(config)], stdout=out,
                                      stderr=subprocess.STDOUT)
        try:
            _wait_for(port, server, folder)
            yield ImapServer("127.0.0.1", port, tls_port, USER, PASSWORD, mail, cert, config,
                             folder / "dovecot.log")
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[ImapServer]:
    """One Dovecot for the session; tests take `imap_server`."""
    binary = dovecot_binary()
    if binary is None:
        reason = ("Dovecot is not installed (Debian's dovecot-imapd; `make test` "
                  "installs it), so the IMAP tests cannot run")
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with running_dovecot(binary) as server:
        yield server


@pytest.fixture
def imap_server(dovecot: ImapServer) -> ImapServer:
    """The session's Dovecot with an empty mailbox."""
    dovecot.empty()
    return dovecot
