"""The process that fills in templates (run by `core.automation.sandbox`).

A template is written by a person and may loop for ever or build a string
of gigabytes; Python cannot stop a render that runs inside it, so the desk
renders in this child process, which it can kill. The child takes one job a
line on stdin, a JSON object {"parts": [[name, template, limit], ...],
"values": {...}}, and answers a line on stdout for each part as soon as it
is filled in: {"ok": text}, or {"error": reason}, which ends the job (the
parts after it are not tried). Jinja2's sandbox keeps a template to the values it
is given; the limits on memory and CPU are the child's own, so a template
that exceeds them ends this process and nothing else.

It imports only the standard library and Jinja2 (it is started with `-I`,
outside the `core` package, to start fast), and must not grow other needs.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from typing import Any

# Far above what filling in a helpdesk email takes (about 25 MB for the
# interpreter and Jinja2), far below what would trouble the machine.
MEMORY_BYTES = 512 * 1024 * 1024
# A backstop only: the desk kills a render that takes more than a few
# seconds; this ends a child whose desk died while it was looping.
CPU_SECONDS = 3600


def _limit_resources() -> None:
    try:
        import resource
    except ImportError:  # not on this platform: the desk's time limit still holds
        return
    for which, amount in ((resource.RLIMIT_AS, MEMORY_BYTES),
                          (resource.RLIMIT_CPU, CPU_SECONDS)):
        try:
            soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                amount = min(amount, hard)
            resource.setrlimit(which, (amount, hard))
        except (ValueError, OSError):
            continue  # not allowed here; the time limit still holds


def main() -> None:
    _limit_resources()
    from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import SandboxedEnvironment

    # StrictUndefined: a misspelt placeholder is an error the log names, not
    # a blank in a customer's email. None prints as nothing.
    environment = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                                       keep_trailing_newline=True,
                                       finalize=lambda v: "" if v is None else v)

    @lru_cache(maxsize=256)
    def compiled(text: str) -> Any:
        # Compiling is most of a render's cost; a stage mails many tickets
        # from one template.
        return environment.from_string(text)

    def fill(text: str, values: dict[str, Any], limit: int) -> str:
        out: list[str] = []
        size = 0
        # Chunk by chunk, so an endless output stops at the limit.
        for chunk in compiled(text).generate(values):
            size += len(chunk)
            if size > limit:
                raise _TooLong(limit)
            out.append(chunk)
        return "".join(out)

    def reason(err: BaseException) -> str:
        if isinstance(err, _TooLong):
            return f"it makes more than {err.limit:,} characters"
        if isinstance(err, TemplateSyntaxError):
            return f"line {err.lineno}: {err.message}"
        if isinstance(err, SecurityError):
            return f"it reaches for something it may not: {err}"
        if isinstance(err, TemplateError):
            return str(err.message)
        if isinstance(err, RecursionError):
            return "it calls itself without end"
        if isinstance(err, MemoryError):
            return "it needs more memory than a template may use"
        if isinstance(err, OverflowError):  # the sandbox's limit on range()
            return str(err)
        return f"{type(err).__name__}: {err}"

    write = sys.stdout.write
    write('{"ready": true}\n')
    sys.stdout.flush()
    for line in sys.stdin:
        job = json.loads(line)
        for _, text, limit in job["parts"]:
            try:
                answer = {"ok": fill(text, job["values"], limit)}
            except Exception as err:  # noqa: BLE001 - any failure is the template's, said
                answer = {"error": reason(err)}
            write(json.dumps(answer) + "\n")
            sys.stdout.flush()  # the desk times each part from its answer
            if "error" in answer:
                break


class _TooLong(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


if __name__ == "__main__":
    main()
