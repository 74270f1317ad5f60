"""A desk in local files: the entry point of the command line, the TUI and
the benches (`open_desk`), and the data dir of a desk opened so."""

from __future__ import annotations

from pathlib import Path

from core.clock import Clock
from core.desk import Desk
from core.store.local import LocalStore


def open_desk(data_dir: Path, clock: Clock | None = None, create: bool = True) -> Desk:
    """The desk in `data_dir`. Where there is none, a new one is made (P1,
    and C4 on first start), or with `create=False` NoDesk is raised and
    nothing is written: a command that only reads does not turn a mistyped
    path into a new desk. A new desk's administrator is the account that
    makes it (core/signing_in.py)."""
    from core.signing_in import current_login

    return Desk(LocalStore(data_dir, create=create, founder=current_login()), clock)


def data_dir_of(desk: Desk) -> Path | None:
    """The data dir `desk` lives in; None for a desk kept elsewhere (in
    memory, say), which has no folder to name or keep things beside."""
    store = desk.store
    return store.root if isinstance(store, LocalStore) else None


def place_of(desk: Desk) -> str:
    """Where `desk` lives, as a message names it: its data dir, or memory."""
    data_dir = data_dir_of(desk)
    return str(data_dir) if data_dir is not None else "memory"
