"""One round of the desk's own work: delayed steps that came due, SLA
clocks that ran out (issue 17), then mail and webhooks on their way out.
`pipedesk worker` runs rounds in a loop; the command line runs one after a
command that left work; the TUI runs the same on a timer (the delivery in
a thread)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from core.automation.courier import Courier, Handed
from core.events import AutomationRan, MessageSent
from core.model import DeskConfig
from core.present import counted


class DeskAtWork(Protocol):
    """What a round needs of the desk (`core.Desk` is one): named here, so
    that `core/automation/` does not depend on `core.desk`."""

    @property
    def config(self) -> DeskConfig: ...

    def now(self) -> datetime: ...

    def refresh(self) -> object: ...

    def run_due_steps(self) -> int: ...

    def record_breaches(self) -> int: ...

    def courier(self) -> Courier: ...

    def record_deliveries(self, deliveries: Sequence[Handed]) -> None: ...


def work_round(desk: DeskAtWork) -> list[str]:
    """Do what is due; one line for a person about each thing done."""
    lines = []
    desk.refresh()  # delays and mail other processes left
    ran = desk.run_due_steps()
    if ran:
        lines.append(f"Ran {counted(ran, 'delayed step')}.")
    breached = desk.record_breaches()
    if breached:
        lines.append(f"Recorded {counted(breached, 'SLA breach', 'SLA breaches')}.")
    if has_work(desk):
        logged = desk.courier().deliver(desk.config.mail, desk.now(),
                                        webhooks=desk.config.webhooks)
        desk.record_deliveries(logged)
        # An automated email put on its ticket's conversation is said when
        # it is delivered, not twice.
        lines += [said(run) for run in logged if not isinstance(run, MessageSent)]
    return lines


def has_work(desk: DeskAtWork) -> bool:
    return desk.courier().has_work(desk.config.mail)


def said(done: Handed) -> str:
    if isinstance(done, MessageSent):
        return f"Ticket #{done.ticket}: automated email '{done.subject}' to {', '.join(done.to)}"
    if not isinstance(done, AutomationRan):  # a notification filled in
        return f"Ticket #{done.ticket}: notified {', '.join(done.users)}"
    about = f"Ticket #{done.ticket}: " if done.ticket else ""
    return "; ".join(f"{about}{step.kind} {step.result}: {step.detail}" for step in done.steps)
