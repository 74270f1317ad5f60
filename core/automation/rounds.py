"""One round of the desk's own work: delayed steps that came due, then mail
and webhooks on their way out. `pipedesk worker` runs rounds in a loop; the
command line runs one after a command that left work; the TUI runs the same
two halves on a timer (the delivery in a thread)."""

from __future__ import annotations

import os

from core.desk import Desk
from core.events import AutomationRan


def work_round(desk: Desk) -> list[str]:
    """Do what is due; one line for a person about each thing done."""
    lines = []
    ran = desk.run_due_steps()
    if ran:
        lines.append(f"Ran {ran} delayed step{'s' if ran != 1 else ''}.")
    if has_work(desk):
        logged = desk.courier().deliver(desk.config.mail, desk.now())
        desk.record_deliveries(logged)
        lines += [said(run) for run in logged]
    return lines


def has_work(desk: Desk) -> bool:
    """Anything to deliver? A look at two folders, without loading the mail
    code: the command line asks this after every command."""
    folders = [desk.data_dir / "webhooks" / "new"]
    if desk.config.mail.smtp is not None:
        folders.append(desk.data_dir / "outbox" / "new")
    for folder in folders:
        try:
            with os.scandir(folder) as found:
                if any(True for _ in found):
                    return True
        except FileNotFoundError:
            continue
    return False


def said(run: AutomationRan) -> str:
    return "; ".join(f"Ticket #{run.ticket}: {step.kind} {step.result}: {step.detail}"
                     for step in run.steps)
