"""The one error type a refused rule raises, and its kin for unreadable files.

Every message is written for the person at the keyboard: it says what was
refused and what to do instead. Surfaces show it as it is; they never add a
traceback.
"""

from __future__ import annotations


class DeskError(Exception):
    """A rule refused a command, or a name did not fit anything."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class NotFound(DeskError):
    """A name or id fitted nothing the actor may see (an unknown ticket, or
    one out of their sight: the two read the same, U2). The server answers
    it with 404."""


class Forbidden(DeskError):
    """The actor may see the thing but not do this to it (P6 view-only, an
    administrator's command). The server answers it with 403."""


class Unauthorized(DeskError):
    """No one acts: a token unknown, revoked, or of a deactivated user. The
    server answers it with 401."""


class ChangedSince(DeskError):
    """A change made against values someone else has changed since (a
    client's change sent later, issue 16): refused, so it is looked at
    again rather than undoing theirs. The server answers it with 409."""


class DatabaseUnavailable(DeskError):
    """The database a desk is kept in did not answer; nothing of the command
    was written. The server answers it with 503: try again."""


class DataFileError(DeskError):
    """A file in the data dir cannot be read; nothing has been written."""

    def __init__(self, path: str, problem: str, line: int | None = None) -> None:
        where = f"{path}, line {line}" if line is not None else path
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


class NoDesk(DeskError):
    """A command that only reads found no desk where it looked (a mistyped
    --data-dir, say); nothing has been created."""

    def __init__(self, path: str) -> None:
        super().__init__(f"No desk in {path}: there is no desk.toml there; nothing was "
                         "created.")
        self.path = path
