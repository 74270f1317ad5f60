"""Arguments that are not UTF-8 (issue 11, item 2).

`pipedesk ticket create --subject $'bad \\xff byte'` gave a traceback
(UnicodeEncodeError: surrogates not allowed). Every command now says which
argument holds which byte, exits 1, and changes nothing. The installed
`pipedesk` runs with the bytes, as a shell would hand them over.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from core_fixtures import data_files

from cli import root
from cli.common import TextCommand, TextGroup

PIPEDESK = Path(sys.executable).with_name("pipedesk")
NOW = "2026-11-23T09:00:00+00:00"


def pipedesk(home: Path, *args: bytes) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "PIPEDESK_HOME"}
    env["PIPEDESK_NOW"] = NOW
    return subprocess.run([PIPEDESK, b"--data-dir", bytes(home), *args], env=env,
                          capture_output=True, timeout=60, check=False)


@pytest.mark.parametrize(("args", "named", "shown"), [
    ([b"ticket", b"create", b"--pipeline", b"0", b"--stage", b"New",
      b"--subject", b"bad \xff byte"], "--subject", r"'bad \xff byte' has byte 0xFF at position 5"),
    ([b"pipeline", b"create", b"P\xff"], "LABEL", r"'P\xff' has byte 0xFF at position 2"),
    ([b"stage", b"add", b"0", b"S\xfe", b"--state", b"open"], "LABEL", "byte 0xFE"),
    ([b"contact", b"add", b"ada@example.com", b"--name", b"Ada \xc3"], "--name", "byte 0xC3"),
    ([b"ticket", b"set", b"1", b"subject=\xff"], "[ID] NAME=VALUE...", "byte 0xFF"),
    ([b"ticket", b"list", b"--pipeline", b"\xff"], "--pipeline", "byte 0xFF"),
    ([b"automation", b"add", b"0", b"1", b"notify", b"--owner", b"--message", b"hi \xff"],
     "--message", "byte 0xFF"),
    ([b"property", b"create", b"plan", b"--type", b"text", b"--label", b"Plan \xff"],
     "--label", "byte 0xFF"),
    ([b"automation", b"template", b"save", b"welcome", b"--subject", b"Hi \xff"],
     "--subject", "byte 0xFF"),
    ([b"demo", b"--pipeline", b"\xff"], "--pipeline", "byte 0xFF"),
], ids=["ticket create", "pipeline create", "stage add", "contact add", "ticket set",
        "ticket list", "automation add", "property create", "template save", "demo"])
def test_an_argument_that_is_not_utf8_is_named_and_nothing_changes(
        tmp_path: Path, args: list[bytes], named: str, shown: str) -> None:
    home = tmp_path / "desk"
    made = pipedesk(home, b"ticket", b"create", b"--pipeline", b"0", b"--stage", b"New",
                    b"--subject", b"Printer on fire")
    assert made.returncode == 0, made.stderr
    before = data_files(home)
    result = pipedesk(home, *args)
    err = result.stderr.decode()
    assert result.returncode == 1 and result.stdout == b""
    assert "Traceback" not in err
    assert err.startswith(f"pipedesk: {named}") and "is not UTF-8 text" in err, err
    assert shown in err, err
    assert data_files(home) == before


def test_a_data_dir_that_is_not_utf8_is_refused_before_a_desk_is_made(tmp_path: Path) -> None:
    home = bytes(tmp_path) + b"/desk\xff"
    result = subprocess.run([PIPEDESK, b"--data-dir", home, b"pipeline", b"list"],
                            capture_output=True, timeout=60, check=False)
    err = result.stderr.decode()
    assert result.returncode == 1 and "Traceback" not in err
    assert err.startswith("pipedesk: --data-dir is not UTF-8 text") and "byte 0xFF" in err
    assert list(tmp_path.iterdir()) == []


def commands_under(group: click.Group, path: str) -> list[tuple[str, click.Command]]:
    """Every command and group below `group`, with the words that call it."""
    found: list[tuple[str, click.Command]] = []
    for name, cmd in sorted(group.commands.items()):
        found.append((f"{path} {name}", cmd))
        if isinstance(cmd, click.Group):
            found += commands_under(cmd, f"{path} {name}")
    return found


@pytest.mark.parametrize(("path", "cmd"), commands_under(root, "pipedesk"),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_checks_that_its_arguments_are_text(path: str,
                                                           cmd: click.Command) -> None:
    """Each topic module makes its commands with `cli.common`'s `group` and
    `command`, so a command added later refuses bytes as the ones above do;
    a plain `@click.command()` would let them through to a traceback."""
    assert isinstance(cmd, TextGroup if isinstance(cmd, click.Group) else TextCommand), path
