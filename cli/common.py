"""What every command of `pipedesk` shares: the `Session` (the desk it
opens, the user it acts as), the argument checks and the output writers.

Text from data never drives the terminal (core/text.py): everything written
to stdout and stderr is shown through `show_text`, a table cell or a row of
`ticket show` through `show_line`, and JSON escapes what a terminal obeys.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, cast

import click

from core import Actor, Desk, DeskError, NoDesk, open_desk, place_of
from core.text import json_safe, show_line, show_text

# -- the session -----------------------------------------------------------------


class Session:
    """Opens the desk on first use, so `--help` never touches the data dir."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = data_dir
        # --database: the desk in a database (a server's), not in the data dir.
        self.database: str | None = None
        # --server: the desk of a team's server (issue 16; docs/sync.md).
        self.server: str | None = None
        self._desk: Desk | None = None
        self._actor: Actor | None = None

    @property
    def actor(self) -> Actor:
        """Who the commands act as: the desk user of this operating-system
        account, or the one the person's config names (core/signing_in.py).
        Asked again of the desk by every command: rights are the desk's."""
        if self._actor is None:
            self._actor = sign_in(self._desk if self._desk is not None else self.reading)
        return self._actor

    @property
    def desk(self) -> Desk:
        """The desk, for a command that changes it, or the app: where there
        is none, a new one is made, and that is said."""
        return self._open(create=True)

    @property
    def reading(self) -> Desk:
        """The desk, for a command that only reads: where there is none (a
        mistyped --data-dir), that is an error and nothing is created."""
        return self._open(create=False)

    def _open(self, create: bool) -> Desk:
        if self._desk is None:
            from core.store.location import data_dir_for

            try:
                remote = self._remote()
                if remote is not None:
                    from core.remote.connect import open_remote_desk

                    self._desk = desk = open_remote_desk(*remote)
                    desk.refresh()  # what waits goes, what changed comes
                    if desk.offline:
                        click.echo(f"pipedesk: warning: {desk.offline} Working on the copy "
                                   f"kept on this host ({desk.freshness()}).", err=True)
                elif self.database is not None:
                    from core.sql import open_sql_desk

                    # Its mail in waits in the data dir, as the server's does.
                    spools = (None if self.database.startswith("sqlite:")
                              else data_dir_for(self.data_dir))
                    self._desk = open_sql_desk(self.database, spools=spools)
                else:
                    self._desk = open_desk(data_dir_for(self.data_dir), create=create)
            except NoDesk as err:
                raise DeskError(f"{err.message} {self._how_to_create(err.path)}") from None
            if self._desk.created:
                click.echo(f"pipedesk: Created a new desk in {place_of(self._desk)}.", err=True)
            for warning in self._desk.warnings:
                click.echo(f"pipedesk: warning: {warning}", err=True)
        return self._desk

    def _remote(self) -> tuple[str, str] | None:
        """(server, token variable) to work on, or None for local data:
        --server, else the person's config's `remote` unless --data-dir or
        --database says where the desk is."""
        from core.user_config import DEFAULT_TOKEN_ENV, load_user_config

        if self.server is None and (self.data_dir is not None or self.database is not None):
            return None
        remote = load_user_config().config.remote
        if self.server is None:
            return None if remote is None else (remote.url, remote.token_env)
        from core.user_config import server_url

        try:
            url = server_url(self.server)
        except ValueError as err:
            raise DeskError(f"--server: {err}.") from None
        same = remote is not None and remote.url == url
        return url, remote.token_env if same and remote is not None else DEFAULT_TOKEN_ENV

    def _how_to_create(self, path: str) -> str:
        if self.data_dir is not None:
            where, app = "--data-dir", f"pipedesk --data-dir {path}"
        elif os.environ.get("PIPEDESK_HOME"):
            where, app = "$PIPEDESK_HOME", "pipedesk"
        else:
            where, app = "the path", "pipedesk"
        return (f"Check {where}; to start a new desk there, open the app once ({app}) "
                "or run a command that changes something.")

    def hand_on(self) -> None:
        """After a command: run what came due and send what it queued, so
        mail leaves without a worker running (one try; a failure waits for
        the next round, `pipedesk worker` or the TUI)."""
        if self._desk is None:
            return
        from core.remote.status import Syncing

        if isinstance(self._desk, Syncing):
            self._desk.close()  # a server's desk does its own work; its replica is kept
            return
        from core.automation.rounds import work_round

        for line in work_round(self._desk):
            click.echo(f"pipedesk: {line}", err=True)


def sign_in(desk: Desk) -> Actor:
    """The actor of this account on `desk`, with what is wrong with the
    person's config file said first (it may be why they are refused)."""
    from core.signing_in import current_login
    from core.user_config import load_user_config

    mine = load_user_config()
    for problem in mine.problems:
        click.echo(f"pipedesk: warning: {problem}", err=True)
    return desk.sign_in(current_login(), mine.config.user, place=f"the desk in {place_of(desk)}")


pass_session = click.make_pass_decorator(Session)


# -- arguments -------------------------------------------------------------------


def json_option(f: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(f)


def parse_assignments(pairs: Iterable[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.UsageError(f"{pair!r} is not NAME=VALUE.")
        values[name.strip()] = value
    return values


set_option = click.option("--set", "assignments", multiple=True, metavar="NAME=VALUE",
                          help="Set a property (repeatable).")


def refuse_arguments_not_utf8(ctx: click.Context) -> None:
    """Python hands over bytes that are not UTF-8 (`--subject $'bad \\xff'`)
    as lone surrogates, which no file and no terminal can take: refuse such
    an argument before the command runs, naming it, with the bytes shown."""
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        for given in value if isinstance(value, tuple | list) else (value,):
            if not isinstance(given, str | Path):
                continue
            text = str(given)
            bad = next((n for n, c in enumerate(text) if 0xD800 <= ord(c) <= 0xDFFF), None)
            if bad is None:
                continue
            name = param.opts[-1] if isinstance(param, click.Option) else \
                param.human_readable_name
            shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            byte = f"byte 0x{ord(text[bad]) - 0xDC00:02X}" if ord(text[bad]) >= 0xDC80 else \
                "a broken character"
            raise DeskError(f"{name} is not UTF-8 text: '{show_line(shown)}' has {byte} at "
                            f"position {bad + 1}; give it in UTF-8.")


class TextCommand(click.Command):
    """A command whose arguments are checked to be text (above)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)
        refuse_arguments_not_utf8(ctx)
        return rest


class TextGroup(click.Group):
    """A group like `TextCommand`; its commands and sub-groups are too."""

    command_class = TextCommand
    group_class = type

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)
        refuse_arguments_not_utf8(ctx)
        return rest


def group(name: str | None = None, **attrs: Any) -> Callable[[Any], TextGroup]:
    """`@click.group`, making a `TextGroup`: a topic's group checks its
    arguments, and so do the commands added to it."""
    return click.group(name, cls=TextGroup, **attrs)


def command(name: str | None = None, **attrs: Any) -> Callable[[Any], TextCommand]:
    """`@click.command`, making a `TextCommand`."""
    return click.command(name, cls=TextCommand, **attrs)


# -- output ----------------------------------------------------------------------


def emit_json(data: Any) -> None:
    click.echo(json_safe(json.dumps(data, indent=2, ensure_ascii=False, default=str)))


def table(headers: list[str], rows: list[list[Any]]) -> None:
    if not rows:
        click.echo("(none)")
        return
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    for row in [headers, *cells]:
        # One row per line, whatever a cell holds: the line is shown as one
        # (show_line keeps its length, so the columns stay aligned).
        line = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))
        click.echo(show_line(line).rstrip())


class ShownStream:
    """stdout or stderr, writing what it is given through `show_text`: a
    subject, a label or a message quoting one reaches the terminal as text,
    never as a control sequence (core/text.py). It has no `buffer`, so
    click writes text here, never bytes around it."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.encoding = stream.encoding
        self.errors = stream.errors

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError("ShownStream takes text")
        self._stream.write(show_text(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def writable(self) -> bool:
        return True


@contextmanager
def shown_output() -> Iterator[None]:
    """While a command runs, stdout and stderr are `ShownStream`s."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = cast(TextIO, ShownStream(out)), cast(TextIO, ShownStream(err))
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
