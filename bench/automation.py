"""Benchmark of the automation engine (issue 5); prints one JSON object.

- engine: --tickets tickets enter a stage whose sequence is a branch (on
  priority), a set-property and an internal notification. The tickets are
  created in that stage in one `Desk.create_tickets` call; the engine's
  share is the time spent in `Desk._automate` (finding the entered tickets,
  running the actions through Desk as the actor automation, logging each
  run, and writing automation's journal entries with one fdatasync). The
  figure is stage-entered events per second, median of --repeat runs, each
  on a fresh desk. Target: 20,000 events/s.
- emails: --emails tickets with a contact enter a stage whose action sends
  *Ticket received*. Two shares: under the writer lock, `_automate` queues
  a draft of each (the template and the values to fill it in with, into
  `drafts/`, one sync for the lot); outside it, one delivery round
  (`Courier.fill_drafts`) fills each in (Jinja2's sandbox in a child
  process, with its limits), composes the message and writes it into the
  Maildir outbox (written to `tmp/` and renamed into `new/`, as a mail tool
  expects, with one sync for the lot). Their sum is the cost of an email.

Progress goes to stderr; every desk lives in a temporary directory.

Run: .venv/bin/python bench/automation.py [--tickets 100000] [--emails 10000]
     [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core import LOCAL_ADMIN, Desk, open_desk  # noqa: E402
from core.automation.actions import Action, Branch, Notify, SendEmail, SetProperty  # noqa: E402
from core.desk import TicketDraft  # noqa: E402
from core.records import Contact  # noqa: E402

TARGET_EVENTS_PER_S = 20_000
A = LOCAL_ADMIN


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def timed_automation(desk: Desk) -> list[float]:
    """Wrap the desk's automation step so its time is recorded."""
    spent: list[float] = []
    inner: Callable[..., None] = desk._automate

    def automate(*args: Any, **kwargs: Any) -> None:
        started = time.perf_counter()
        try:
            inner(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    desk._automate = automate  # type: ignore[method-assign]
    return spent


def run_once(count: int, actions: list[Action], contacts: bool) -> dict[str, float]:
    root = Path(tempfile.mkdtemp(prefix="pipedesk-bench-"))
    try:
        desk = open_desk(root / "desk")
        if contacts:
            desk.add_contacts([Contact(email=f"c{n}@example.com", name=f"Customer {n}")
                               for n in range(count)], A)
        for action in actions:
            desk.add_action("0", "Waiting on us", action, A)
        drafts = [TicketDraft("0", "3", f"Ticket {n}",
                              contact=f"c{n}@example.com" if contacts else None,
                              values={"priority": "high" if n % 2 else "low"})
                  for n in range(count)]
        spent = timed_automation(desk)
        started = time.perf_counter()
        desk.create_tickets(drafts, A)
        total = time.perf_counter() - started
        engine = sum(spent)
        started = time.perf_counter()
        failed = desk.courier().fill_drafts(desk.config.mail, desk.now())
        fill = time.perf_counter() - started
        assert not failed, failed
        runs = len(desk.automation_log(A)) if count <= 20_000 else None
        return {"engine_s": engine, "command_s": total, "fill_s": fill,
                "log_entries": float(runs) if runs is not None else -1.0}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    # The sequence, action for action: a branch (its condition
    # evaluated and logged; no arm), a set-property that changes every
    # ticket, a notification.
    sequence: list[Action] = [
        Branch(property="priority", op="equals", value="HIGH"),
        SetProperty(property="content", value="triaged"),
        Notify(user="admin"),
    ]
    # And a heavier one: the branch's then-arm sets a property on half the
    # tickets (3.5 actions a ticket).
    with_arm: list[Action] = [
        Branch(property="priority", op="equals", value="HIGH",
               then=[SetProperty(property="content", value="escalated")]),
        *sequence[1:],
    ]
    engine_runs, arm_runs = [], []
    for n in range(args.repeat):
        log(f"engine: {args.tickets:,} tickets, run {n + 1}/{args.repeat}")
        engine_runs.append(run_once(args.tickets, sequence, contacts=False))
        log(f"engine with a branch arm: {args.tickets:,} tickets, run {n + 1}/{args.repeat}")
        arm_runs.append(run_once(args.tickets, with_arm, contacts=False))
    email_runs = []
    for n in range(args.repeat):
        log(f"emails: {args.emails:,} tickets, run {n + 1}/{args.repeat}")
        email_runs.append(run_once(args.emails, [SendEmail(template="Ticket received")],
                                   contacts=True))

    engine_s = statistics.median(r["engine_s"] for r in engine_runs)
    arm_s = statistics.median(r["engine_s"] for r in arm_runs)
    email_s = statistics.median(r["engine_s"] for r in email_runs)
    fill_s = statistics.median(r["fill_s"] for r in email_runs)
    both_s = statistics.median(r["engine_s"] + r["fill_s"] for r in email_runs)
    result = {
        "machine": {"python": platform.python_version(), "cpus": _cpus()},
        "engine": {
            "tickets": args.tickets,
            "sequence": "branch (priority equals HIGH), set content, notify user",
            "engine_s_median": round(engine_s, 3),
            "engine_s_runs": [round(r["engine_s"], 3) for r in engine_runs],
            "create_command_s_median": round(
                statistics.median(r["command_s"] for r in engine_runs), 3),
            "events_per_s": round(args.tickets / engine_s),
            "target_events_per_s": TARGET_EVENTS_PER_S,
            "meets_target": args.tickets / engine_s >= TARGET_EVENTS_PER_S,
        },
        "engine_with_branch_arm": {
            "sequence": "branch (priority equals HIGH -> set content on half the tickets), "
                        "set content, notify user",
            "engine_s_median": round(arm_s, 3),
            "engine_s_runs": [round(r["engine_s"], 3) for r in arm_runs],
            "events_per_s": round(args.tickets / arm_s),
        },
        "emails": {
            "emails": args.emails,
            "queued_under_lock_s_median": round(email_s, 3),
            "filled_to_outbox_s_median": round(fill_s, 3),
            "total_s_median": round(both_s, 3),
            "total_s_runs": [round(r["engine_s"] + r["fill_s"], 3) for r in email_runs],
            "ms_per_email": round(1000 * both_s / args.emails, 3),
            "emails_per_s": round(args.emails / both_s),
            "log_entries": int(email_runs[0]["log_entries"]),
        },
    }
    print(json.dumps(result, indent=2))


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 0)


if __name__ == "__main__":
    main()
