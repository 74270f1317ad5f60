"""Email templates (A4a): a subject and a body with placeholders for the
ticket and its contact, rendered by Jinja2's sandbox so that a template
written by a user reaches only the values given to it, never Python's
internals."""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import Field

from core.errors import DeskError
from core.model_base import Model
from core.text import check_line, check_text, show_text

if TYPE_CHECKING:
    from jinja2 import Template as JinjaTemplate
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


@cache
def _environment() -> SandboxedEnvironment:
    # Imported here: only a desk that sends email pays for Jinja2.
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    # StrictUndefined: a misspelt placeholder is an error the log names,
    # not a blank in a customer's email. None prints as nothing.
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                                keep_trailing_newline=True,
                                finalize=lambda v: "" if v is None else v)


@lru_cache(maxsize=256)
def _compiled(text: str) -> JinjaTemplate:
    # Compiling is most of a render's cost; a stage mails many tickets
    # from one template.
    return _environment().from_string(text)


def check_template(template: Template) -> None:
    """Refuse a template whose name or subject is not one line of printable
    text, whose body holds more than text and new lines (core/text.py), or
    whose subject or body does not parse."""
    from jinja2 import TemplateSyntaxError

    check_line(template.name, "A template's name")
    check_line(template.subject, f"The subject of template '{template.name}'")
    check_text(template.body, f"The body of template '{template.name}'")
    for part, text in (("subject", template.subject), ("body", template.body)):
        try:
            _environment().parse(text)
        except TemplateSyntaxError as err:
            raise DeskError(f"Template '{template.name}': the {part} does not read, line "
                            f"{err.lineno}: {err.message}.") from None


def render(template: Template, values: dict[str, Any]) -> tuple[str, str]:
    """(subject, body), or DeskError saying which placeholder failed."""
    from jinja2 import TemplateError
    from jinja2.exceptions import SecurityError

    try:
        subject = _compiled(template.subject).render(values)
        body = _compiled(template.body).render(values)
    except SecurityError as err:
        raise DeskError(f"Template '{template.name}' reaches for something it may not: "
                        f"{err}.") from None
    except TemplateError as err:
        raise DeskError(f"Template '{template.name}' could not be filled in: "
                        f"{err.message}.") from None
    # What the template filled in came from tickets and contacts, and is
    # read on terminals too: shown as text (core/text.py). A line break
    # left in the subject is refused when the message is composed (a header
    # is one line).
    return show_text(subject.strip()), show_text(body)
