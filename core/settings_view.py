"""The desk's settings as one user may see them, and their version.

What a client keeping a replica (the terminal client on a server, issue 16)
needs to draw the board and offer the commands: the pipelines the user may
view (P6) with their stages, automation and access; the properties; the
templates; the channels of those pipelines; users and teams. Everything is
read through `Desk`'s own queries, each applying access (core/access.py);
the tokens' digests and the mail settings are never part of it.

The version is a digest of that view: it changes exactly when what this
user sees changes, a change of the user's own rights (U3) included, since
their visibility, teams and the pipelines' access lists are in the view.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from core.access import Actor
from core.desk import Desk


def visible_settings(desk: Desk, actor: Actor) -> dict[str, Any]:
    """The settings `actor` may see, as JSON holds them."""
    me = desk.me(actor)
    return {
        "me": me.id,
        "pipelines": [p.model_dump(mode="json") for p in desk.pipelines(actor)],
        "properties": [p.model_dump(mode="json")
                       for p in desk.properties(actor, archived=True)],
        "templates": [t.model_dump(mode="json") for t in desk.templates(actor)],
        "channels": [c.model_dump(mode="json") for c in desk.channels(actor)],
        "users": [u.model_dump(mode="json") for u in desk.users(actor)],
        "teams": [t.model_dump(mode="json") for t in desk.teams(actor)],
    }


def settings_version(view: dict[str, Any]) -> str:
    """A short digest of `view` (`visible_settings`): equal views, equal
    versions, on every server process."""
    text = json.dumps(view, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]
