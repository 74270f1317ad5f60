"""A throwaway PostgreSQL for the tests: a cluster of its own, made with
the installed server's `initdb` (Debian's `postgresql`, which `make test`
installs when missing) in a temporary directory, listening on a free
loopback port, and removed at the end. The system's PostgreSQL service is
not used and need not run.

Usage: `pg_url` is the URL of a new, empty database for one test;
`pg_cluster` is the cluster (one for the session: it starts in about a
second), whose `stop()` and `start()` take the database away and bring it
back, as a failing database server would.

initdb refuses to run as root (as here and in CI): there the cluster runs
as Debian's `postgres` account, owning its temporary directory. fsync is
off: the cluster is thrown away, and what is tested through it is the
desk's transactions, not the disk's. What fsync off risks is a crash of
the machine, not of PostgreSQL: a commit is still written to the system
before it is acknowledged (synchronous_commit stays on), so a cluster
stopped at once (`stop`) and started again keeps every acknowledged commit.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from mail_fixtures import free_port

_names = itertools.count(1)


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found and shutil.which("initdb"):
        found = [str(shutil.which("initdb"))]
    if not found:
        pytest.fail("PostgreSQL's server (initdb, pg_ctl) is not installed: `make test` "
                    "installs Debian's postgresql; or run apt-get install postgresql.")
    return Path(found[-1]).parent


class PgCluster:
    """A PostgreSQL cluster of the tests' own."""

    def __init__(self) -> None:
        self.bin = _binaries()
        self.root = Path(tempfile.mkdtemp(prefix="pipedesk-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.user = "pipedesk"
        self._as: list[str] = []
        if os.getuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", self.user, "-A", "trust",
                  "--no-sync", "-E", "UTF8")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.root}'\nfsync = off\n"
                       "full_page_writes = off\n"
                       "max_connections = 200\n")

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([*self._as, str(self.bin / program), *args],
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stdout}{done.stderr}")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "start")

    def stop(self) -> None:
        """Stop at once (connections cut), as a database server that fails."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def new_database(self) -> str:
        """The URL of a new, empty database."""
        name = f"desk_{os.getpid()}_{next(_names)}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a test's database, cutting the connections its desks left
        open: a session of thousands of tests would otherwise run out of
        the cluster's connections."""
        name = url.rsplit("/", 1)[-1]
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError):  # stopped already
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    cluster = PgCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> Iterator[str]:
    url = pg_cluster.new_database()
    yield url
    pg_cluster.drop_database(url)
