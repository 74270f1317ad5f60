"""Benchmark of who sees what (U2, P6); prints one JSON object.

At 100,000 tickets (in memory, a third with no owner, the rest spread over
20 agents; one pipeline), the time `core.access.visible_tickets` takes —
what every board, count and list asks — for:

- all_ms: an administrator who sees all tickets: the anchor, the same path
  as before visibility existed (a set lookup per ticket);
- team_ms: an agent who sees their team's (5 members) and unassigned;
- own_ms: an agent who sees their own only;
- sight_ms: working out one agent's sight (`sight_of`), asked once per
  query and again by an open board after every settings change.

Medians over --rounds runs. Run: .venv/bin/python bench/access.py
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.access import LOCAL_ADMIN, Actor, sight_of, visible_tickets  # noqa: E402
from core.model import Team, User, new_desk_config  # noqa: E402
from core.records import Ticket  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    config = new_desk_config()
    config.users += [User(id=f"u{n}", name=f"Agent {n}", visibility="team" if n < 10
                          else "own") for n in range(20)]
    config.teams.append(Team(id="t", name="Support", members=[f"u{n}" for n in range(5)]))
    now = datetime.now(UTC)
    tickets = [Ticket(id=str(n), pipeline="0", stage="1", subject="s",
                      owner=None if n % 3 == 0 else f"u{n % 20}",
                      create_date=now, last_activity=now) for n in range(args.tickets)]

    def median_ms(actor: Actor) -> tuple[float, int]:
        times, seen = [], 0
        for _ in range(args.rounds):
            start = time.perf_counter()
            seen = len(visible_tickets(config, actor, tickets))
            times.append((time.perf_counter() - start) * 1000)
        return round(statistics.median(times), 2), seen

    def sight_ms() -> float:
        times = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            sight_of(config, Actor.user("u1"))
            times.append((time.perf_counter() - start) * 1000)
        return round(statistics.median(times), 4)

    all_ms, all_seen = median_ms(LOCAL_ADMIN)
    team_ms, team_seen = median_ms(Actor.user("u1"))
    own_ms, own_seen = median_ms(Actor.user("u15"))
    print(json.dumps({
        "tickets": args.tickets, "rounds": args.rounds,
        "all_ms": all_ms, "all_seen": all_seen,
        "team_ms": team_ms, "team_seen": team_seen,
        "own_ms": own_ms, "own_seen": own_seen,
        "sight_ms": sight_ms(),
    }))


if __name__ == "__main__":
    main()
