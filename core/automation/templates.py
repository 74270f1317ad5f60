"""Email templates (A4a) and the placeholder language they share with
notification messages (A4b): Jinja2, `{{ ticket.id }}`, `{{ contact.name }}`.

A template is checked when it is saved: it must read, and use only the
placeholders the desk fills in (a misspelt `{{ contact.nme }}` is refused
with its line, not found when a customer's email fails). Filling it in is
`core.automation.sandbox`'s work: Jinja2's sandbox in a child process with
limits on time, size and memory."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from pydantic import Field

from core.errors import DeskError
from core.model_base import Model
from core.text import check_line, check_text

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

# The names a template may use: the values it is given (`Placeholders`,
# what core/automation/values.py fills in) and Jinja2's own helpers.
Placeholders = Mapping[str, frozenset[str]]
_JINJA_NAMES = frozenset({"range", "dict", "namespace", "cycler", "joiner", "lipsum", "loop"})


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


def check_template(template: Template, known: Placeholders) -> None:
    """Refuse a template whose name or subject is not one line of printable
    text or whose body holds more than text and new lines (core/text.py),
    or whose subject or body does not read or uses a placeholder the desk
    does not fill in, naming it and where."""
    check_line(template.name, "A template's name")
    check_line(template.subject, f"The subject of template '{template.name}'")
    check_text(template.body, f"The body of template '{template.name}'")
    for part, text in (("subject", template.subject), ("body", template.body)):
        problem = template_problem(text, known)
        if problem:
            raise DeskError(f"Template '{template.name}', {part} {problem}")


def check_message(text: str, known: Placeholders) -> None:
    """As `check_template`, for a notification's message (A4b)."""
    problem = template_problem(text, known)
    if problem:
        raise DeskError(f"The notification's message, {problem}")


def template_problem(text: str, known: Placeholders) -> str | None:
    """What is wrong with template text, as the end of a sentence that names
    the template and part ("line 2: {{ contact.nme }} is not a placeholder
    …"), or None."""
    if not has_placeholders(text):
        return None
    return _problem(text, tuple(sorted((k, tuple(sorted(v))) for k, v in known.items())))


@lru_cache(maxsize=256)
def _problem(text: str, known_items: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    # Cached: automation checks the template of every email it queues.
    # Parsing only: Jinja2's own analysis (jinja2.meta) compiles, which
    # works out constant expressions ('x' | center(300000000), 10 ** 10**7)
    # in this process; the child that fills templates in has the limits.
    from jinja2 import TemplateSyntaxError, nodes

    known = {name: frozenset(fields) for name, fields in known_items}
    try:
        tree = _environment().parse(text)
        named = list(tree.find_all(nodes.Name))
        looked_up = list(tree.find_all((nodes.Getattr, nodes.Getitem)))
        macros = {m.name for m in tree.find_all((nodes.Macro,))
                  if isinstance(m, nodes.Macro)}
        other_files = next(tree.find_all((nodes.Extends, nodes.Include, nodes.Import,
                                          nodes.FromImport)), None)
    except TemplateSyntaxError as err:
        return f"line {err.lineno}: it does not read: {err.message}."
    except RecursionError:
        return "does not read: it nests too deep."
    if other_files is not None:
        return (f"line {other_files.lineno}: a template cannot include, import or extend "
                "another one.")
    names = [n for n in named if isinstance(n, nodes.Name)]
    # A name the template sets itself (set, for, a macro's parameters) is
    # its own, wherever it is set.
    own = {n.name for n in names if n.ctx in ("store", "param")} | macros | _JINJA_NAMES \
        | {"caller", "varargs", "kwargs"}
    undeclared = {n.name for n in names if n.ctx == "load"} - own
    for name in sorted(undeclared - set(known)):
        line = min(n.lineno for n in names if n.name == name)
        # Said as written: {{ customer.name }}, not {{ customer }}.
        used = next((f"{name}.{n.attr}" for n in looked_up if isinstance(n, nodes.Getattr)
                     and isinstance(n.node, nodes.Name) and n.node.name == name), name)
        return f"line {line}: {{{{ {used} }}}} is not a placeholder{_hint(used, known)}"
    for node in sorted(looked_up, key=lambda n: n.lineno):
        if isinstance(node, nodes.Getattr):
            base, field = node.node, node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) \
                and isinstance(node.arg.value, str):
            base, field = node.node, node.arg.value
        else:
            continue  # looked up by a value: the render says if it is missing
        if not isinstance(base, nodes.Name) or base.name not in known \
                or base.name not in undeclared:
            continue  # a value of the template's own, or a value's value
        if field not in known[base.name]:
            wrong = f"{base.name}.{field}"
            return f"line {node.lineno}: {{{{ {wrong} }}}} is not a placeholder" \
                   f"{_hint(wrong, known)}"
    return None


def _hint(wrong: str, known: Mapping[str, frozenset[str]]) -> str:
    from difflib import get_close_matches

    every = sorted(f"{name}.{field}" for name, fields in known.items() for field in fields)
    close = get_close_matches(wrong, every, n=1, cutoff=0.75)
    if close:
        return f"; did you mean {{{{ {close[0]} }}}}?"
    return " (docs/automation.md lists them)."
