"""A ticket's conversation as the detail screen shows it (C1): the messages
in and out and the internal notes, oldest first, each under a heading that
says who wrote to whom, when, about what, and what came with it.

Quoted history and signatures are folded to one line ("… 4 quoted lines
folded"), so that a long thread reads as what each message added; `z` on the
detail screen unfolds them all, and folds them again.

Every word from a message goes through core/text.py (`show_line` for the
heading, `show_text` for the body): mail is written by strangers, and an
escape in it must not reach the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from core import DeskError
from core.access import Actor, name_of
from core.conversation import ConversationItem
from core.mail.folding import folded
from core.model import DeskConfig
from core.present import file_size, when
from core.text import show_line, show_text

NO_CONVERSATION = ("No messages yet.\n"
                   "Emails and notes about this ticket will show here.\n"
                   "r replies to its contact · N adds a note")

# The direction's mark and word; the arrow points the way the mail went.
_DIRECTIONS = {"in": ("←", "In"), "out": ("→", "Out"), "note": ("✎", "Note")}
# Bold and a named colour, so the heading stands out with 16 colours too.
_DIRECTION_STYLES = {"in": "bold $text-success", "out": "bold $text-primary",
                     "note": "bold $text-warning"}


def folded_count(items: Sequence[ConversationItem]) -> int:
    """How many runs of lines the conversation folds (0: `z` has nothing
    to unfold)."""
    return sum(1 for item in items for run in folded(item.text) if run.folded)


def conversation_content(items: Sequence[ConversationItem], config: DeskConfig,
                         unfolded: bool = False) -> Content:
    """The whole conversation, oldest first, as one block of text."""
    if not items:
        return Content(NO_CONVERSATION)
    blocks = [_message(item, config, unfolded) for item in items]
    return Content("\n\n").join(blocks)


def _message(item: ConversationItem, config: DeskConfig, unfolded: bool) -> Content:
    """Its heading (what, when, from whom; to whom, about what, the marks;
    Cc and attachments), then its text."""
    arrow, word = _DIRECTIONS[item.direction]
    lines: list[Content] = [Content.assemble(
        (f"{arrow} {word}", _DIRECTION_STYLES[item.direction]), "  ",
        (when(item.date or item.at), "dim"), "  ", (_sender(item, config), "bold"))]
    about: list[Content] = []
    if item.direction != "note":
        about.append(Content(show_line("to " + (", ".join(item.to) or "(no recipient)"))))
    if item.subject:
        about.append(Content.styled(show_line(item.subject), "italic"))
    if item.auto:
        reason = f": {item.auto_reason}" if item.auto_reason else ""
        about.append(Content.styled(f"[auto{show_line(reason)}]", "bold"))
    if item.forwarded:
        about.append(Content.styled("[forwarded]", "bold"))
    if about:
        lines.append(Content(" · ").join(about))
    if item.cc:
        lines.append(Content(show_line("cc " + ", ".join(item.cc))))
    if item.attachments:
        files = ", ".join(f"{a.name} ({file_size(a.size)})" for a in item.attachments)
        lines.append(Content(show_line(f"attached: {files}")))
    # Quoted history and signatures: core/mail/folding.py says which lines.
    for run in folded(show_text(item.text)):
        if not run.folded or unfolded:
            style = "" if not run.folded else "italic"
            lines += [Content.styled("  " + line, style) for line in run.text.split("\n")]
            continue
        n = run.lines
        what = (("quoted line", "quoted lines") if run.kind == "quote" else
                ("signature line", "signature lines"))
        lines.append(Content.styled(f"  … {n} {what[0] if n == 1 else what[1]} folded · "
                                    "z unfolds", "italic dim"))
    return Content("\n").join(lines)


def _sender(item: ConversationItem, config: DeskConfig) -> str:
    """Who wrote it: the sender of a message, the author of a note."""
    if item.direction == "note":
        return show_line(_actor_name(item.actor, config))
    sender = (f"{item.sender_name} <{item.sender}>" if item.sender_name else item.sender)
    return show_line(sender or "(no sender)")


def _actor_name(actor: str, config: DeskConfig) -> str:
    try:
        return name_of(config, Actor.parse(actor))
    except (DeskError, ValueError):
        return actor
