"""The command line's fixtures: `home` (a data dir not made yet, the clock
fixed by PIPEDESK_NOW) and `run` (`pipedesk ARGS…` in-process, its exit code
and output); `new_desk(home)` makes the desk there."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cli import main
from core import open_desk

NOW = "2026-11-23T09:00:00+00:00"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PIPEDESK_NOW", NOW)
    monkeypatch.delenv("PIPEDESK_HOME", raising=False)
    return tmp_path / "desk"


def new_desk(home: Path) -> Path:
    """A new desk in `home`, as the app's first start makes one (C4): the
    commands that only read need a desk to be there."""
    open_desk(home)
    return home


@pytest.fixture
def run(home: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    def run(*args: str) -> Result:
        capsys.readouterr()
        try:
            main(["--data-dir", str(home), *args])
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
