"""What on-call hands on (issue 17 item 5): a ticket, or a list of them, as
lines of plain text to paste into a chat or a hand-over note; the app
copies them to the clipboard (OSC 52, over SSH and tmux too)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from core.model import DeskConfig
from core.present import counted, say_value
from core.records import Ticket
from core.sla import Clock, no_clock
from core.text import plain_line

# A summary of more tickets than this lists these and says how many more:
# a clipboard of 100,000 lines helps no one, and terminals cap OSC 52.
SUMMARY_LINES = 100
# A ticket's SLA clock (`Desk.sla_clocks`).
ClockOf = Callable[[Ticket], Clock | None]


def ticket_line(config: DeskConfig, ticket: Ticket, server: str = "",
                clock: ClockOf = no_clock) -> str:
    """"#12 Order stopped arriving · Support pipeline / New · Urgent ·
    ! respond breached 5 min" (its SLA clock, where one runs; `clock`
    reads it) and, on a server's desk, the ticket's address there."""
    stage = next(((p.label, s.label) for p in config.pipelines for s in p.stages
                  if s.id == ticket.stage), (ticket.pipeline, ticket.stage))
    parts = [f"#{ticket.id} {plain_line(ticket.subject)}", f"{stage[0]} / {stage[1]}"]
    if ticket.priority:
        parts.append(say_value(config, "priority", ticket.priority))
    running = clock(ticket)
    if running is not None:
        parts.append(running.marked())
    owner = next((u.name for u in config.users if u.id == ticket.owner), ticket.owner)
    if owner:
        parts.append(plain_line(owner))
    if server:
        parts.append(f"{server}/crm/v3/objects/tickets/{ticket.id}")
    return " · ".join(parts)


def summary(config: DeskConfig, title: str, tickets: Sequence[Ticket], server: str = "",
            clock: ClockOf = no_clock) -> str:
    """A heading saying how many, then a line per ticket (the first
    SUMMARY_LINES, and how many more)."""
    lines = [f"{plain_line(title)}: {counted(len(tickets), 'ticket')}"]
    lines += [f"- {ticket_line(config, t, server, clock)}" for t in tickets[:SUMMARY_LINES]]
    if len(tickets) > SUMMARY_LINES:
        lines.append(f"… and {counted(len(tickets) - SUMMARY_LINES, 'more ticket')}")
    return "\n".join(lines) + "\n"
