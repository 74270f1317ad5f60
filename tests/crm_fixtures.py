"""A served desk for the CRM v3 tests: an administrator's token, an
agent's who sees little (P6: Billing is the administrator's alone), and
clients for both."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from core_fixtures import ADMIN, add_agent
from server_fixtures import ApiClient, served

from core import Desk
from core.store import MemoryStore


@dataclass
class Crm:
    desk: Desk
    base: str
    admin: ApiClient
    agent: ApiClient
    admin_token: str
    agent_token: str
    billing: str  # the pipeline the agent may not see


@pytest.fixture
def crm() -> Iterator[Crm]:
    desk = Desk(MemoryStore())
    add_agent(desk)
    billing = desk.create_pipeline("Billing", ADMIN)
    desk.set_pipeline_access(billing.id, ADMIN, view=["admin"], edit=None)
    admin_token = desk.create_token("admin", ADMIN, name="tests")[1]
    agent_token = desk.create_token("ingrid", ADMIN, name="tests")[1]
    with served(desk, follow=False) as base, ApiClient(base, admin_token) as admin, \
            ApiClient(base, agent_token) as agent:
        yield Crm(desk, base, admin, agent, admin_token, agent_token, billing.id)
