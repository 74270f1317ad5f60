"""desk.toml: read with tomllib, validated by the pydantic models, written
whole with tomli-w."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from core.errors import DataFileError
from core.model import SCHEMA_VERSION, DeskConfig
from core.rules import check_settings, clashes_of, label_clashes
from core.store.files import atomic_write

HEADER = (
    "# pipedesk settings: pipelines, stages and their automation, properties, templates,\n"
    "# mail, users (docs/automation.md has the automation schema).\n"
    "# Edit with care; pipedesk checks this file on load and refuses a broken one.\n"
)


def read_settings(path: Path, warnings: list[str] | None = None) -> DeskConfig:
    """The settings in `path`, or DataFileError. What the file gets away
    with but a person should hear of (rules.label_clashes) is added to
    `warnings`."""
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise DataFileError(name, f"not UTF-8 text (byte {err.start})") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        line, problem = _toml_error(str(err), text)
        raise DataFileError(name, problem, line) from None
    config = settings_from_dict(raw, name, text)
    if warnings is not None:
        warnings += label_clash_warnings(config, name, text)
    return config


def settings_from_dict(raw: dict[str, Any], name: str, text: str = "") -> DeskConfig:
    version = raw.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise DataFileError(
            name,
            f"schema_version {version!r} is newer than this pipedesk understands "
            f"({SCHEMA_VERSION}); upgrade pipedesk",
        )
    raw = migrate(raw, version)
    try:
        config = DeskConfig.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = _dotted(first["loc"])
        problem = f"{where}: {first['msg']}" if where else first["msg"]
        more = len(err.errors()) - 1
        if more:
            problem += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise DataFileError(name, problem, _line_of(text, raw, first["loc"])) from None
    # The desk's own rules (S2, unique ids …); labels alike only warn.
    broken = check_settings(config, tolerated=clashes_of(config))
    if broken:
        raise DataFileError(name, broken)
    return config


def label_clash_warnings(config: DeskConfig, name: str, text: str) -> list[str]:
    """Properties labelled alike, each said with the line of the later one
    and the command that fixes it."""
    said = []
    for earlier, later in label_clashes(config):
        # Built-ins come first, so the later one is custom: its label can change.
        fix = later
        match = re.search(rf'^\s*name\s*=\s*"{re.escape(fix.name)}"', text, re.MULTILINE)
        where = f"{name}, line {text.count(chr(10), 0, match.start()) + 1}" if match else name
        said.append(
            f"{where}: properties '{earlier.name}' and '{later.name}' are both labelled "
            f"'{later.label}', so lists show two of them; give one another label "
            f"(pipedesk property edit {fix.name} --label NEW)")
    return said


def migrate(raw: dict[str, Any], version: int) -> dict[str, Any]:
    """Bring an older file's dict up to SCHEMA_VERSION (none older exist yet)."""
    return {**raw, "schema_version": SCHEMA_VERSION}


def write_settings(path: Path, config: DeskConfig) -> None:
    data = config.model_dump(mode="json", exclude_none=True, by_alias=True)
    atomic_write(path, (HEADER + tomli_w.dumps(data)).encode("utf-8"))


def _toml_error(message: str, text: str) -> tuple[int | None, str]:
    # tomllib says "Expected '=' after a key in a key/value pair (at line 3, column 5)".
    match = re.search(r"\(at line (\d+), column (\d+)\)$", message)
    if not match:
        # A file cut short (an unclosed array or string) is "at end of
        # document": the last line is where to look.
        end = re.search(r"\(at end of document\)$", message)
        if end:
            last = max(1, len(text.splitlines()))
            return last, f"{message[: end.start()].strip()} at the end of the file"
        return None, message
    problem = message[: match.start()].strip()
    return int(match[1]), f"column {match[2]}: {problem}"


def _dotted(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_of(text: str, raw: dict[str, Any], loc: tuple[int | str, ...]) -> int | None:
    """The line of the value at `loc`: found by its key and value as TOML
    writes them (inline tables or not), else by the id of the table that
    holds it; None if neither can be found."""
    node: Any = raw
    holder_ids: list[str] = []
    for part in loc:
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            holder_ids.append(node["id"])
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = _MISSING
            break
    lines = text.splitlines()
    key = next((p for p in reversed(loc) if isinstance(p, str)), None)
    if key is not None and node is not _MISSING:
        try:
            shown = tomli_w.dumps({key: node}).strip()
        except (TypeError, ValueError):
            shown = ""
        for n, line in enumerate(lines, start=1):
            if shown and shown in line:
                return n
    for ident in reversed(holder_ids):
        pattern = re.compile(rf'\bid\s*=\s*"{re.escape(ident)}"')
        for n, line in enumerate(lines, start=1):
            if pattern.search(line):
                return n
    return None


_MISSING = object()
