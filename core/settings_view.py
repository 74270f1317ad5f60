"""The desk's settings as one user may see them, and their version.

What a client keeping a replica (the terminal client on a server, issue 16)
needs to draw the board and offer the commands: the pipelines the user may
view (P6) with their stages, automation and access; the properties; the
templates; the channels of those pipelines; users and teams; what `Desk`'s
queries of each answer (access by core/access.py). The tokens' digests and
the mail settings are never part of it.

The version is a digest of that view: it changes exactly when what this
user sees changes, a change of the user's own rights (U3) included, since
their visibility, teams and the pipelines' access lists are in the view.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from core import access
from core.access import Actor
from core.errors import DeskError
from core.model import DeskConfig
from core.properties import BUILTIN_PROPERTIES


def visible_settings(config: DeskConfig, actor: Actor) -> dict[str, Any]:
    """The settings `config` shows `actor`, as JSON holds them: what
    `Desk.pipelines`, `properties`, `templates`, `channels`, `users` and
    `teams` answer, worked out from any settings (the change feed asks of
    settings that were in force earlier)."""
    me = access.user_of(config, actor)
    if me is None:
        raise DeskError(f"{actor} is not a user.")
    pipelines = access.visible_pipelines(config, actor)
    viewed = {p.id for p in pipelines}
    return {
        "me": me.id,
        "pipelines": [p.model_dump(mode="json") for p in pipelines],
        "properties": [p.model_dump(mode="json")
                       for p in (*BUILTIN_PROPERTIES, *config.properties)],
        "templates": [t.model_dump(mode="json") for t in config.templates],
        "channels": [c.model_dump(mode="json") for c in config.channels
                     if c.pipeline in viewed],
        "users": [u.model_dump(mode="json") for u in config.users],
        "teams": [t.model_dump(mode="json") for t in config.teams],
    }


def settings_version(view: dict[str, Any]) -> str:
    """A short digest of `view` (`visible_settings`): equal views, equal
    versions, on every server process."""
    text = json.dumps(view, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]
