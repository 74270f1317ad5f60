"""The person's own config file: who they are on the desk and their keys,
which desk.toml cannot hold (every agent shares desk.toml).

It is TOML in the platform's user config dir (~/.config/pipedesk/config.toml
on Linux), or the file $PIPEDESK_CONFIG names. No file means the default
keys. A file that cannot be read is said, with its path and line, and the
app opens with the default keys: a typo in one's keys must not lock one
out of the desk.

    user = "ingrid"
    remote = { url = "https://desk.example.com", token_env = "PIPEDESK_TOKEN" }
    [keymap]
    "board.move_right" = "ctrl+right,greater_than_sign"
    [views]
    "Urgent, nobody's" = "priority:urgent owner:none stage:open"

`user` names the desk user to act as where the login does not say it
(core/signing_in.py has the rule). `remote` is the team's server
(`pipedesk login` writes it; issue 16) and the environment variable that
holds the person's token: the token itself is never written here.
The ids are those of the bindings (the app's `?` lists them); the keys are
as Textual's keymap takes them, several joined by commas. `[views]` are
saved queries (docs/search.md), each checked as a query when read.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from core.errors import DataFileError, DeskError
from core.store.files import atomic_write
from core.store.settings_file import toml_problem
from core.text import plain_line

CONFIG_ENV = "PIPEDESK_CONFIG"
CONFIG_NAME = "config.toml"


def _names_keys(keys: str) -> str:
    # Textual skips a binding whose keymap entry is empty: say so instead.
    if any(not key.strip() for key in keys.split(",")):
        raise ValueError(f"{keys!r} names no key; write keys such as \"ctrl+n\" or \"f2,n\"")
    return keys


# One or more keys as Textual's keymap takes them: "ctrl+n" or "f2,n".
Keys = Annotated[str, AfterValidator(_names_keys)]


def server_url(url: str) -> str:
    """A server's address as pipedesk keeps it: http(s), a host, maybe a
    port and a path; no query, fragment or login (the token is kept apart)."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:  # a bracket that is no IPv6 address, a bad port
        host = None
    if host is None or parts.scheme not in ("http", "https") or not plain_line(host) == host:
        raise ValueError(f"{plain_line(text)[:200]!r} is not a server's address; write it as "
                         "https://desk.example.com (or http://127.0.0.1:8765 on this host)")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("a server's address has no query, fragment or user name in it "
                         "(the token is kept in an environment variable)")
    return text.rstrip("/")


def _env_name(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,99}", name):
        raise ValueError(f"{plain_line(name)[:100]!r} is not the name of an environment "
                         "variable (letters, digits and _, such as PIPEDESK_TOKEN)")
    return name


DEFAULT_TOKEN_ENV = "PIPEDESK_TOKEN"


def _view_name(name: str) -> str:
    if not name.strip() or plain_line(name) != name:
        raise ValueError(f"{plain_line(name)[:100]!r} is no name for a view; give it one line "
                         "of words, such as \"Urgent, nobody's\"")
    return name


def _unreadable_views(views: Mapping[str, str]) -> dict[str, str]:
    """The views whose query does not read: name -> what is wrong."""
    from core.query import QueryError, parse

    wrong = {}
    for name, query in views.items():
        try:
            parse(query)
        except QueryError as err:
            wrong[name] = err.message.rstrip(".")
    return wrong


class RemoteConfig(BaseModel):
    """The team's server: where it is, and which environment variable holds
    the person's token."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: Annotated[str, AfterValidator(server_url)]
    token_env: Annotated[str, AfterValidator(_env_name)] = DEFAULT_TOKEN_ENV


class UserConfig(BaseModel):
    """What the file may say. Unknown keys are refused, so a typo is said
    rather than silently doing nothing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The desk user (id, login or email) to act as; None: the one whose
    # login is the operating-system account's.
    user: str | None = None
    # binding id -> keys, e.g. "board.move_right" -> "ctrl+right,l".
    keymap: dict[str, Keys] = {}
    # The team's server (issue 16); None: the desk in local files.
    remote: RemoteConfig | None = None
    # Saved views (issue 17): a name -> a query (docs/search.md), on the
    # palette and as `pipedesk ticket list --view NAME`.
    # The first screen the app opens on: the board, or the triage queue
    # (issue 17: the one paged at night wants the queue).
    start: Literal["board", "triage"] = "board"
    # A view whose query does not read is left out, and said (`load_user_config`).
    views: dict[Annotated[str, AfterValidator(_view_name)], str] = {}


@dataclass(frozen=True)
class LoadedConfig:
    """The config in force, where it came from, and what to tell the user
    about it (each message names the file, and the line where known)."""

    config: UserConfig = field(default_factory=UserConfig)
    path: Path | None = None
    text: str = ""
    problems: tuple[str, ...] = ()

    def unknown_binding_ids(self, known: Collection[str]) -> list[str]:
        """A warning for each id in the keymap that no binding has: a
        remapping that would do nothing."""
        where = str(self.path) if self.path else CONFIG_NAME
        return [DataFileError(where, f"keymap: no key has the id {binding_id!r}, so this line "
                              "does nothing; press ? in the app to see the ids",
                              _line_of_key(self.text, ("keymap", binding_id))).message
                for binding_id in self.config.keymap if binding_id not in known]


def user_config_path() -> Path:
    """$PIPEDESK_CONFIG, else config.toml in the user config dir."""
    named = os.environ.get(CONFIG_ENV)
    if named:
        return Path(named).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("pipedesk", appauthor=False)) / CONFIG_NAME


def load_user_config(path: Path | None = None) -> LoadedConfig:
    """The config at `path` (default: `user_config_path()`). Never raises
    for what is in the file: a problem comes back in `problems`, with the
    defaults in force."""
    explicit = path is not None or bool(os.environ.get(CONFIG_ENV))
    path = path if path is not None else user_config_path()
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        if explicit:
            return _refused(path, "", f"no such file ({CONFIG_ENV} names it); "
                            "using the default keys")
        return LoadedConfig(path=path)
    except UnicodeDecodeError as err:
        return _refused(path, "", f"not UTF-8 text (byte {err.start}); "
                        "using the default keys")
    except OSError as err:
        return _refused(path, "", f"cannot be read: {err.strerror or err}; "
                        "using the default keys")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        line, problem = toml_problem(str(err), text)
        return _refused(path, text, f"{problem}; using the default keys", line)
    except (RecursionError, ValueError):
        return _refused(path, text, "not a config pipedesk can read; using the default keys")
    try:
        config = UserConfig.model_validate(_flat_keymap(raw))
    except ValidationError as err:
        first = err.errors()[0]
        loc = tuple(str(part) for part in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = ("unknown key (a typo?); pipedesk reads only user, remote, start, "
                       "[keymap] and [views]")
        where = ".".join(loc)
        problem = f"{where}: {message}" if where else message
        return _refused(path, text, f"{problem}; using the default keys",
                        _line_of_key(text, loc))
    # A view that does not read costs that view only, not the keys or the server.
    wrong = _unreadable_views(config.views)
    if not wrong:
        return LoadedConfig(config, path, text)
    problems = tuple(DataFileError(str(path), f"views: {name!r}: {what}; the view is left "
                                   "out", _line_of_key(text, ("views", name))).message
                     for name, what in wrong.items())
    kept = {n: q for n, q in config.views.items() if n not in wrong}
    return LoadedConfig(config.model_copy(update={"views": kept}), path, text, problems)


def save_remote(remote: RemoteConfig, path: Path | None = None) -> Path:
    """Write `remote` into the person's config (`pipedesk login`), keeping
    everything else in it as they wrote it, comments included; returns the
    file. A file that cannot be read is not written over: DeskError."""
    import tomlkit

    path = path if path is not None else user_config_path()
    loaded = load_user_config(path) if path.exists() else LoadedConfig(path=path)
    if loaded.problems and not _only_remote_problem(loaded):
        problem = loaded.problems[0].removesuffix("; using the default keys")
        raise DeskError(f"{problem}. Put that right first: pipedesk writes no file it could "
                        "not read.")
    try:
        document = tomlkit.parse(loaded.text)
    except tomlkit.exceptions.TOMLKitError as err:
        raise DeskError(f"{path}: {err}; pipedesk writes no file it could not read.") from None
    table = tomlkit.inline_table()
    table.update({"url": remote.url, "token_env": remote.token_env})
    document["remote"] = table  # tomlkit puts a new key before the [tables]
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, tomlkit.dumps(document).encode("utf-8"))
    return path


def _only_remote_problem(loaded: LoadedConfig) -> bool:
    """A config whose only fault is its `remote` (which this writes anew)."""
    return len(loaded.problems) == 1 and ": remote" in loaded.problems[0]


def _refused(path: Path, text: str, problem: str, line: int | None = None) -> LoadedConfig:
    return LoadedConfig(path=path, text=text,
                        problems=(DataFileError(str(path), problem, line).message,))


def _flat_keymap(raw: dict[str, Any]) -> dict[str, Any]:
    """Binding ids have dots, and TOML reads an unquoted `board.move_right`
    as a table in a table: both spellings (and [keymap.board]) mean the
    binding "board.move_right"."""
    keymap = raw.get("keymap")
    if not isinstance(keymap, dict):
        return raw
    flat: dict[str, Any] = {}
    todo: list[tuple[str, Mapping[str, Any]]] = [("", keymap)]
    while todo:
        prefix, table = todo.pop()
        for key, value in table.items():
            if isinstance(value, dict):
                todo.append((f"{prefix}{key}.", value))
            else:
                flat[f"{prefix}{key}"] = value
    return {**raw, "keymap": flat}


def _line_of_key(text: str, loc: tuple[str, ...]) -> int | None:
    """The line that sets the key at `loc` (("keymap", "board.left")),
    however it is spelt: quoted, dotted or under a [keymap.board] header;
    else the header of its table."""
    want = ".".join(loc)
    header = ""
    header_line = None
    for n, line in enumerate(text.splitlines(), start=1):
        head = re.match(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$", line)
        if head:
            header = _bare(head[1])
            if header == want or want.startswith(header + "."):
                header_line = header_line or n
            if header == want:
                return n
            continue
        pair = re.match(r"\s*((?:\"[^\"]*\"|'[^']*'|[^=\"'])+?)\s*=", line)
        if pair:
            full = f"{header}.{_bare(pair[1])}" if header else _bare(pair[1])
            # The key itself, one inside it, or the inline table it is in.
            if full == want or full.startswith(want + ".") or want.startswith(full + "."):
                return n
    return header_line


def _bare(key: str) -> str:
    """A TOML key as a dotted name: quotes and blanks around dots gone."""
    return ".".join(part.strip().strip("\"'") for part in
                    re.findall(r"\"[^\"]*\"|'[^']*'|[^.]+", key))
