"""Hostile text, and putting it on disk as a desk from before the text rules
(or a hand edit) would have left it.

The commands refuse such text now (core/text.py), so a test that needs it
in a desk writes placeholders through the desk and then swaps them for the
hostile text in the files themselves: desk.toml and the journal.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

# What was seen (issue 11) and its kin, by what it would do to a terminal.
HOSTILE: dict[str, str] = {
    "window title": "Title \x1b]2;PWNED\x07",
    "colour and bell": "\x1b[31mRED\x1b[0m \x07",
    "line break": "a\nb",
    "direction override": "invoice \u202efdp.exe",
    "zero-width space": "Sup\u200bport",
    "markup": "[bold]x[/]",
    "C1 CSI": "\x9b31m",
}

# Printable text a terminal shows as it is: kept everywhere, shown as it is.
PRINTABLE = {"markup"}

# What must never reach a terminal from data: C0 controls but the new line,
# DEL, C1 controls, line and paragraph separators, direction controls,
# invisible characters.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200b\u200e\u200f"
                    "\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")

# The sequences Textual itself writes (CSI: cursor, colours, modes).
TERMINAL_CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


def unsafe_in(text: str) -> list[str]:
    """The unsafe characters in `text`, as escapes (for a readable assert)."""
    return sorted({repr(m.group()) for m in UNSAFE.finditer(text)})


def put_on_disk(data_dir: Path, swaps: dict[str, str]) -> None:
    """Replace each placeholder (a key of `swaps`, a word of letters, digits
    and _) by its text wherever the desk's files hold it."""
    pattern = re.compile("|".join(re.escape(k) for k in sorted(swaps, key=len, reverse=True)))
    settings = data_dir / "desk.toml"
    raw = tomllib.loads(settings.read_text(encoding="utf-8"))
    settings.write_text(tomli_w.dumps(_swapped(raw, pattern, swaps)), encoding="utf-8")
    # A snapshot records where in the journal it ends: swapping text there
    # would move that. A test wanting one calls `Desk.compact` after this.
    assert not (data_dir / "tickets.json").exists()
    journal = data_dir / "tickets.jsonl"
    if journal.exists():
        text = journal.read_text(encoding="utf-8")
        journal.write_text(pattern.sub(lambda m: json.dumps(swaps[m.group()])[1:-1], text),
                           encoding="utf-8")


def _swapped(value: Any, pattern: re.Pattern[str], swaps: dict[str, str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(lambda m: swaps[m.group()], value)
    if isinstance(value, list):
        return [_swapped(v, pattern, swaps) for v in value]
    if isinstance(value, dict):
        return {k: _swapped(v, pattern, swaps) for k, v in value.items()}
    return value
