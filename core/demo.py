"""Sample tickets for trying pipedesk out (`pipedesk demo`).

The same seed gives the same tickets, contacts and agents, so screenshots,
benchmarks and tests can count on them. Dates are spread over the 90 days
before the desk's clock.
"""

from __future__ import annotations

import random
from datetime import timedelta

from core.access import Actor
from core.desk import Desk, TicketDraft
from core.model import User
from core.records import PRIORITIES, Contact

AGENTS = (
    User(id="ingrid", name="Ingrid Berg", email="ingrid@pipedesk.example"),
    User(id="sven", name="Sven Lund", email="sven@pipedesk.example"),
    User(id="daan", name="Daan de Vries", email="daan@pipedesk.example"),
    User(id="amara", name="Amara Okafor", email="amara@pipedesk.example"),
)

_FIRST = ("Kari", "Ola", "Astrid", "Lars", "Emma", "Noah", "Sanne", "Bram", "Freja", "Oskar",
          "Lotte", "Jonas", "Maja", "Elias", "Fleur", "Nils", "Ida", "Ruben", "Saga", "Tim")
_LAST = ("Hansen", "Johansson", "de Jong", "Nilsson", "Bakker", "Larsen", "Visser", "Olsen",
         "Andersson", "Smit", "Berg", "Jansen", "Dahl", "Mulder", "Lind")
_DOMAINS = ("example.com", "example.no", "example.se", "example.nl", "example.org")
_THINGS = ("invoice", "password reset", "login", "printer", "VPN", "order", "refund",
           "shipping label", "account", "export", "two-factor code", "subscription",
           "API key", "report", "mobile app", "calendar sync", "webhook", "data import")
_TROUBLE = ("does not work", "is missing", "shows an error", "is very slow", "was charged twice",
            "cannot be opened", "keeps failing", "needs to be changed", "stopped arriving",
            "looks wrong")
_ASKS = ("Question about", "Help with", "Problem:", "Urgent:", "Follow-up on", "Request:")
# Most tickets are new or closed; some wait on one side or the other.
_STAGE_WEIGHTS = (35, 15, 15, 35)


def add_demo_tickets(desk: Desk, actor: Actor, count: int = 200, seed: int = 1,
                     pipeline: str | None = None) -> int:
    """Add `count` sample tickets (and the agents and contacts they name)."""
    rng = random.Random(seed)
    target = desk.pipeline(pipeline, actor) if pipeline else desk.pipelines(actor)[0]
    _add_agents(desk, actor)
    contacts = _add_contacts(desk, actor, rng, max(10, min(1000, count // 20)))
    now = desk.now()
    stages = target.stages
    weights = _weights(len(stages))
    drafts = []
    for _ in range(count):
        thing = rng.choice(_THINGS)
        if rng.random() < 0.5:
            subject = f"{rng.choice(_ASKS)} {thing}"
        else:
            subject = f"{thing[0].upper()}{thing[1:]} {rng.choice(_TROUBLE)}"
        values: dict[str, object] = {"priority": rng.choices(PRIORITIES, (40, 35, 18, 7))[0]}
        if rng.random() < 0.8:
            values["owner"] = rng.choice(AGENTS).id
        drafts.append(TicketDraft(
            pipeline=target.id,
            stage=rng.choices(stages, weights)[0].id,
            subject=subject,
            contact=rng.choice(contacts).email,
            values=values,
            create_date=now - timedelta(minutes=rng.randrange(0, 90 * 24 * 60)),
        ))
    desk.create_tickets(drafts, actor)
    desk.compact()
    return count


def _weights(n: int) -> list[int]:
    if n == len(_STAGE_WEIGHTS):
        return list(_STAGE_WEIGHTS)
    return [1] * n


def _add_agents(desk: Desk, actor: Actor) -> None:
    known = {u.id for u in desk.config.users}
    missing = [a for a in AGENTS if a.id not in known]
    if missing:
        desk.add_users(missing, actor)


def _add_contacts(desk: Desk, actor: Actor, rng: random.Random, n: int) -> list[Contact]:
    existing = {c.email.casefold() for c in desk.contacts(actor)}
    made: dict[str, Contact] = {}
    while len(made) < n:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        local = f"{first}.{last}".lower().replace(" ", "")
        email = f"{local}{rng.randrange(1, 100)}@{rng.choice(_DOMAINS)}"
        made.setdefault(email, Contact(email=email, name=f"{first} {last}",
                                       marketing=rng.random() < 0.4))
    new = [c for c in made.values() if c.email.casefold() not in existing]
    if new:
        desk.add_contacts(new, actor)
    return list(made.values())
