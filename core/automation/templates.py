"""Email templates (A4a) and the placeholder language they share with
notification messages (A4b): Jinja2, `{{ ticket.id }}`, `{{ contact.name }}`.

Filling a template in is `core.automation.sandbox`'s work: Jinja2's sandbox
in a child process with limits on time, size and memory."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from pydantic import Field

from core.errors import DeskError
from core.model_base import Model

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment


class Template(Model):
    name: str = Field(min_length=1)
    subject: str
    body: str
    # A4a: a transactional email goes to any contact; any other only to
    # contacts marked as marketing contacts.
    transactional: bool = True
    builtin: bool = False


TICKET_RECEIVED = "Ticket received"
TICKET_CLOSED = "Ticket closed"


def builtin_templates() -> list[Template]:
    return [
        Template(
            name=TICKET_RECEIVED, builtin=True,
            subject="We have your request: {{ ticket.subject }} [#{{ ticket.id }}]",
            body=(
                "Hello {{ contact.name or contact.email }},\n\n"
                "Thank you for writing to us. We have received your request\n"
                "\"{{ ticket.subject }}\" and will get back to you soon.\n\n"
                "Your ticket number is #{{ ticket.id }}.\n"
            ),
        ),
        Template(
            name=TICKET_CLOSED, builtin=True,
            subject="Your request is closed: {{ ticket.subject }} [#{{ ticket.id }}]",
            body=(
                "Hello {{ contact.name or contact.email }},\n\n"
                "Your request \"{{ ticket.subject }}\" (#{{ ticket.id }}) is now closed.\n"
                "If something is still not right, reply to this email and we will\n"
                "pick it up again.\n"
            ),
        ),
    ]


PLACEHOLDERS = (
    "ticket.id", "ticket.subject", "ticket.content", "ticket.pipeline", "ticket.stage",
    "ticket.priority", "ticket.owner", "ticket.team", "ticket.create_date",
    "ticket.close_date", "ticket.<property>", "contact.name", "contact.email",
)

# What a filled-in template may make: a subject (or a notification, also
# one line) and a body. Far above any helpdesk email; a template that makes
# more was written wrong, and a 20 MB email must not be queued.
LINE_CHARS = 1_000
BODY_CHARS = 1_000_000

def has_placeholders(text: str) -> bool:
    """Does `text` use the template language at all? A notification's
    plain message is sent as written."""
    return "{{" in text or "{%" in text or "{#" in text


@cache
def _environment() -> SandboxedEnvironment:
    # Imported here: only a desk that sends email pays for Jinja2. Parsing
    # only, to check a template: rendering happens in a child process with
    # its own environment (core/automation/sandbox.py).
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)


def check_template(template: Template) -> None:
    """Refuse a template whose subject or body does not parse."""
    from jinja2 import TemplateSyntaxError

    for part, text in (("subject", template.subject), ("body", template.body)):
        try:
            _environment().parse(text)
        except TemplateSyntaxError as err:
            raise DeskError(f"Template '{template.name}': the {part} does not read, line "
                            f"{err.lineno}: {err.message}.") from None
