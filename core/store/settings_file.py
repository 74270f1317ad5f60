"""desk.toml: read with tomllib, validated by the pydantic models and the
desk's rules, written whole with tomli-w. Every problem is named with the
line it is on (or the line of the table it belongs to)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from core.errors import DataFileError
from core.model import SCHEMA_VERSION, DeskConfig
from core.rules import (
    MAX_BRANCH_DEPTH,
    Misplaced,
    StrandedDelay,
    check_settings,
    clashes_of,
    label_clashes,
)
from core.store.files import atomic_write

HEADER = (
    "# pipedesk settings: pipelines, stages and their automation, properties, templates,\n"
    "# mail, users (docs/automation.md has the automation schema).\n"
    "# Edit with care; pipedesk checks this file on load and refuses a broken one.\n"
)

# Tables and lists inside each other: a desk needs about a dozen levels plus
# two for each branch inside a branch; more is refused before pydantic (or
# anything recursive) walks it.
MAX_NESTING = 12 + 2 * MAX_BRANCH_DEPTH


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
        line, problem = toml_problem(str(err), text)
        raise DataFileError(name, problem, line) from None
    except RecursionError:
        raise DataFileError(name, f"tables or lists nested more than {MAX_NESTING} deep",
                            _too_deep_line(text)) from None
    except ValueError:
        # tomllib turns digits into a number with int(), which refuses more
        # than 4,300 of them.
        raise DataFileError(name, "a number with thousands of digits; no setting takes one",
                            _long_number_line(text)) from None
    if nesting(raw) > MAX_NESTING:
        raise DataFileError(name, f"tables or lists nested more than {MAX_NESTING} deep",
                            _too_deep_line(text))
    config = settings_from_dict(raw, name, text)
    if warnings is not None:
        warnings += label_clash_warnings(config, name, text)
    return config


def settings_from_dict(raw: dict[str, Any], name: str, text: str = "") -> DeskConfig:
    version = raw.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        raise DataFileError(name, f"schema_version {_shown(version)} is not a whole number; "
                            f"this pipedesk writes {SCHEMA_VERSION}",
                            _line_of(text, raw, ("schema_version",)))
    if version > SCHEMA_VERSION:
        raise DataFileError(
            name,
            f"schema_version {_shown(version)} is newer than this pipedesk understands "
            f"({SCHEMA_VERSION}); upgrade pipedesk",
            _line_of(text, raw, ("schema_version",)),
        )
    if version < 1:
        raise DataFileError(name, f"schema_version {version} is not one pipedesk ever wrote "
                            f"(this one writes {SCHEMA_VERSION})",
                            _line_of(text, raw, ("schema_version",)))
    raw = migrate(raw, version)
    try:
        config = DeskConfig.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = _dotted(first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown key (a typo?); pipedesk does not read it"
        problem = f"{where}: {message}" if where else message
        more = len(err.errors()) - 1
        if more:
            problem += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise DataFileError(name, problem, _line_of(text, raw, first["loc"])) from None
    # The desk's own rules (S2, unique ids …); labels alike only warn.
    broken = check_settings(config, tolerated=clashes_of(config))
    if broken:
        raise DataFileError(name, broken, _line_of(text, raw, broken.loc) if broken.loc
                            else None)
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
    for pipeline in data["pipelines"]:
        # P6's default (everyone) is said by leaving the table out, not by
        # an empty [pipelines.access] under every pipeline.
        if not pipeline.get("access"):
            pipeline.pop("access", None)
    if not data.get("tokens"):
        data.pop("tokens", None)  # a desk without tokens says nothing of them
    atomic_write(path, (HEADER + tomli_w.dumps(data)).encode("utf-8"))


# -- tickets the settings have lost ------------------------------------------------


def misplaced_error(path: Path, config: DeskConfig, misplaced: list[Misplaced]) -> DataFileError:
    """desk.toml refused because tickets are in a pipeline or a stage it
    no longer has: where that was, how many, and what to do about it."""
    text = _text_of(path)
    first = misplaced[0]
    pipeline = next((p for p in config.pipelines if p.id == first.pipeline), None)
    if pipeline is None:
        group = [m for m in misplaced if m.pipeline == first.pipeline]
        stages = sorted({m.stage for m in group}, key=_num)
        problem = (
            f"{_tickets(group)} in pipeline {first.pipeline}, which this file no longer has "
            f"(in its stage{'s' if len(stages) > 1 else ''} {_and(stages)}). Put back its "
            f"[[pipelines]] table, id = \"{first.pipeline}\", with those stages (from a backup "
            "or an older copy of desk.toml). To be rid of the pipeline, then move or delete "
            f"its tickets and run: pipedesk pipeline delete {first.pipeline}"
        )
        line = _line_of_pipelines(text)
    else:
        group = [first]
        elsewhere = next((p for p in config.pipelines for s in p.stages if s.id == first.stage),
                         None)
        moved = (f" (stage {first.stage} is in '{elsewhere.label}' now; a stage cannot move "
                 "to another pipeline)") if elsewhere is not None else ""
        of = f" of pipeline '{pipeline.label}' (id {pipeline.id})"
        problem = (
            f"{_tickets(group, of)} in "
            f"stage {first.stage}, which this file no longer has in that pipeline{moved}. Put "
            f"the stage, id = \"{first.stage}\", back in the pipeline's stages (from a backup "
            "or an older copy of desk.toml). To be rid of the stage, then run: pipedesk stage "
            f"delete {first.stage} --move-to STAGE (it moves its tickets)"
        )
        line = _line_of_id(text, pipeline.id, "pipelines")
    others = sum(m.count for m in misplaced if m not in group)
    if others:
        problem += (f". Also {others} more ticket{'s' if others != 1 else ''} in other "
                    "stages or pipelines it lacks")
    return DataFileError(path.name, problem + ". Nothing was written.", line)


def _tickets(group: list[Misplaced], of: str = "") -> str:
    """"3 tickets (#6, …) are", "1 ticket (#4) of pipeline 'Sales' (id 5) is"."""
    n = sum(m.count for m in group)
    lowest = min((m.example for m in group), key=_num)
    return (f"{n} ticket{'s' if n != 1 else ''} (#{lowest}{', …' if n > 1 else ''}){of} "
            f"{'are' if n != 1 else 'is'}")


def stranded_error(path: Path, config: DeskConfig, stranded: StrandedDelay) -> DataFileError:
    step = stranded.delay.step
    pipeline = next(p for p in config.pipelines if p.id == step.pipeline)
    stage = pipeline.stage(step.stage)
    label = stage.label if stage is not None else step.stage
    problem = (
        f"ticket #{stranded.ticket} waits in stage '{label}' for a delay (due "
        f"{step.due:%Y-%m-%d %H:%M}) after which it is moved into stage {stranded.target!r}, "
        "which this file does not have. Put that stage back (from a backup or an older copy "
        f"of desk.toml); to be rid of it, then move ticket #{stranded.ticket} out of "
        f"'{label}' (the delay then does nothing) before deleting the stage. Nothing was "
        "written."
    )
    return DataFileError(path.name, problem, _line_of_id(_text_of(path), pipeline.id,
                                                         "pipelines"))


def _text_of(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _num(ident: str) -> tuple[int, str]:
    return (int(ident), "") if ident.isascii() and ident.isdigit() else (0, ident)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# -- finding lines --------------------------------------------------------------------


def toml_problem(message: str, text: str) -> tuple[int | None, str]:
    """The line and the problem of a TOMLDecodeError's `message`, said as
    a person reads it (also for the user's own config file)."""
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


def nesting(raw: Any) -> int:
    """How deep tables and lists nest in `raw`, without recursing."""
    deepest = 0
    todo: list[tuple[Any, int]] = [(raw, 0)]
    while todo:
        node, depth = todo.pop()
        if isinstance(node, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            if depth > MAX_NESTING:
                return depth
            todo += [(child, depth) for child in (node.values() if isinstance(node, dict)
                                                  else node)]
    return deepest


# Brackets and braces outside strings and comments, and newlines.
_TOKENS = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\''
                     r"|#[^\n]*|[\[\]{}\n]")


def _too_deep_line(text: str) -> int | None:
    """The line where lists or inline tables first nest too deep."""
    depth, line = 0, 1
    for token in _TOKENS.finditer(text):
        kind = token[0]
        if kind in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return line
        elif kind in "]}":
            depth = max(0, depth - 1)
        line += kind.count("\n")
    return None


def _long_number_line(text: str) -> int | None:
    found = re.search(r"[0-9A-Fa-f_]{4300,}", text)
    return text.count("\n", 0, found.start()) + 1 if found else None


def _dotted(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and value.bit_length() > 64:
        return "(a number of many digits)"
    return repr(value)


def _line_of_pipelines(text: str) -> int | None:
    """Where the pipelines are: the first [[pipelines]] header (or the
    `pipelines = [...]` line of a file that writes them inline)."""
    for n, line in enumerate(text.splitlines(), start=1):
        if re.match(r"\s*(\[\[\s*pipelines\s*\]\]|pipelines\s*=)", line):
            return n
    return None


def _line_of_id(text: str, ident: str, table: str | None = None) -> int | None:
    """The line of `id = "IDENT"`, preferring one directly in a `[[table]]`."""
    pattern = re.compile(rf'\bid\s*=\s*"{re.escape(ident)}"')
    header = None
    anywhere = None
    for n, line in enumerate(text.splitlines(), start=1):
        head = re.match(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$", line)
        if head:
            header = head[1]
            continue
        if pattern.search(line):
            if table is None or header == table:
                return n
            anywhere = anywhere or n
    return anywhere


def _line_of(text: str, raw: dict[str, Any], loc: tuple[int | str, ...]) -> int | None:
    """The line of the value at `loc`: found by its key and value as TOML
    writes them (inline tables or not), by the table header it is, else by
    the id of the table that holds it; None if none can be found."""
    node: Any = raw
    holder_ids: list[str] = []
    path: list[int | str] = []
    for part in loc:
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            holder_ids.append(node["id"])
        if isinstance(node, dict) and part not in node and node.get("kind") == part:
            continue  # pydantic names the kind of action it tried: not a key
        path.append(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = _MISSING
            break
    if isinstance(node, dict) and isinstance(node.get("id"), str):
        holder_ids.append(node["id"])
    lines = text.splitlines()
    key = next((p for p in reversed(path) if isinstance(p, str)), None)
    if key is not None and node is not _MISSING and not isinstance(node, dict | list):
        shown = _toml_of(key, node)
        for n, line in enumerate(lines, start=1):
            if shown and shown in line:
                return n
    if path and isinstance(path[-1], int) and isinstance(node, dict):
        # A table in a list, written inline: the line holding its values.
        pairs = [_toml_of(k, v) for k, v in node.items() if not isinstance(v, dict | list)]
        for n, line in enumerate(lines, start=1):
            if pairs and all(p and p in line for p in pairs):
                return n
    loc = tuple(path)
    if key is not None and isinstance(loc[-1], str):
        # A table of its own ([mail.smtp], [[pipelines.stages]]) or a key
        # written as `key = …` once in the file.
        header = re.compile(rf'\s*\[\[?[^\]]*\b"?{re.escape(key)}"?\s*\]\]?\s*(#.*)?$')
        for n, line in enumerate(lines, start=1):
            if header.match(line):
                return n
        assigned = [n for n, line in enumerate(lines, start=1)
                    if re.match(rf'\s*"?{re.escape(key)}"?\s*=', line)]
        if len(assigned) == 1:
            return assigned[0]
    for ident in reversed(holder_ids):
        found = _line_of_id(text, ident)
        if found is not None:
            return found
    return None


def _toml_of(key: str, value: Any) -> str:
    try:
        return tomli_w.dumps({key: value}).strip()
    except (TypeError, ValueError):
        return ""


_MISSING = object()
