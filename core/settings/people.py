"""The desk's people (U1): its users. (Teams are only written in desk.toml
so far; their commands come with the users issue and go here.)"""

from __future__ import annotations

from collections.abc import Sequence

from core.model import DeskConfig, User
from core.text import check_line


def add_users(config: DeskConfig, users: Sequence[User]) -> list[User]:
    """Users added at the end, each name one line of text. That ids are
    unique is a standing rule, checked on every save (`core.rules`)."""
    for user in users:
        check_line(user.name, "A user's name")
    config.users.extend(u.model_copy() for u in users)
    return list(users)
