"""A served desk with an administrator's and an agent's token, and a second
desk over the same store: another server process, through which the tests
change the desk while the served one answers (its follower catches up)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from core_fixtures import ADMIN, add_agent
from server_fixtures import ApiClient, served

from core import Actor, Desk
from core.store import MemoryStore

AGENT = Actor.user("ingrid")


@dataclass
class Served:
    base: str
    other: Desk  # another process on the same store
    admin_token: str
    agent_token: str

    def admin(self) -> ApiClient:
        return ApiClient(self.base, self.admin_token)

    def agent(self) -> ApiClient:
        return ApiClient(self.base, self.agent_token)


def private_pipeline(desk: Desk) -> str:
    """A pipeline only administrators view (P6)."""
    billing = desk.create_pipeline("Billing", ADMIN)
    desk.set_pipeline_access(billing.id, ADMIN, view=[], edit=[])
    return billing.id


@contextmanager
def serving() -> Iterator[Served]:
    """For a test file's `site` fixture."""
    store = MemoryStore()
    desk = Desk(store)
    add_agent(desk)
    _, admin_secret = desk.create_token(ADMIN.id, ADMIN, "tests")
    _, agent_secret = desk.create_token(AGENT.id, ADMIN, "tests")
    with served(desk) as base:
        yield Served(base, Desk(store), admin_secret, agent_secret)
