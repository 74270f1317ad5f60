"""Filling in templates with a limit on time, size and memory.

A template is a small program written by a person: `{% for i in
range(100000) %}` nested three deep runs for hours, and a filter can build a
gigabyte in one call. Python cannot interrupt that inside the desk's own
process, so `Renderer` hands the work to a child process
(`core/automation/render_child.py`), gives each job `RENDER_SECONDS`, and
kills the child when a job takes longer; the next job gets a fresh one.
The child caps its own memory, and stops a part at its size limit.

One child serves a whole delivery round (starting one costs about 0.1 s),
and it runs outside the writer lock: the courier fills in what automation
queued (docs/automation.md).
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from core.errors import DeskError

# What one job (a message's subject and body) may take. A helpdesk email
# fills in within a millisecond; this is for a template that never ends.
RENDER_SECONDS = 2.0
# Starting the child imports Jinja2; on a busy machine that can take a while.
START_SECONDS = 30.0
_CHILD = Path(__file__).with_name("render_child.py")


class RenderFailed(DeskError):
    """The template could not be filled in: `part` (subject, body, message)
    and the reason, for the log. `stopped`: it ran out of time or memory
    (rather than reading wrong), so it would again for the next ticket."""

    def __init__(self, part: str, reason: str, stopped: bool = False) -> None:
        super().__init__(reason)
        self.part = part
        self.reason = reason
        self.stopped = stopped


class RendererUnavailable(DeskError):
    """The child process could not be started: nothing was tried, try again later."""


@dataclass(frozen=True)
class Job:
    """What to fill in: parts, (name, template text, size limit) each, and
    the values for their placeholders."""

    parts: Sequence[tuple[str, str, int]]
    values: Mapping[str, Any]


class Renderer:
    """Fills in templates in a child process; use as a context manager.

    `fill_all` streams: the jobs go to the child as fast as it reads them,
    and the filled-in parts come back in order while the caller does its
    share (composing, writing) meanwhile. Each part has `seconds` from the
    moment its answer is awaited; a part that takes longer is stopped with
    its child, and the jobs after it go to a fresh one. A template stopped
    once is not tried again in this round (it would be stopped again, after
    as long a wait, for every ticket of a bulk change)."""

    def __init__(self, seconds: float = RENDER_SECONDS) -> None:
        self.seconds = seconds
        self._child: subprocess.Popen[bytes] | None = None
        self._answers: queue.Queue[bytes] = queue.Queue()
        # Template text -> why it was stopped, for the rest of the round.
        self._stopped: dict[str, str] = {}

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fill(self, parts: Sequence[tuple[str, str, int]],
             values: Mapping[str, Any]) -> list[str]:
        """One job's parts filled in; RenderFailed names the part and why."""
        [result] = self.fill_all([Job(parts, values)])
        if isinstance(result, RenderFailed):
            raise result
        return result

    def fill_all(self, jobs: Sequence[Job]) -> Iterator[list[str] | RenderFailed]:
        """Each job's parts filled in, or why not, in the order of `jobs`.
        RendererUnavailable when no child can be started."""
        start = 0
        while start < len(jobs):
            skip = frozenset(self._stopped)
            child = self._started()
            assert child.stdin is not None
            threading.Thread(target=_write_jobs, args=(child.stdin, jobs[start:], skip),
                             daemon=True, name="pipedesk-renderer-in").start()
            for n in range(start, len(jobs)):
                start = n + 1
                job = jobs[n]
                stopped = next(((part, self._stopped[text]) for part, text, _ in job.parts
                                if text in skip), None)
                if stopped is not None:
                    yield RenderFailed(stopped[0], f"{stopped[1]} (for an earlier ticket in "
                                                   "this round)", stopped=True)
                    continue
                result = self._answer(job)
                yield result
                if isinstance(result, RenderFailed) and result.stopped:
                    break  # the child is gone: the rest go to a new one

    def _answer(self, job: Job) -> list[str] | RenderFailed:
        filled: list[str] = []
        for part, text, _ in job.parts:
            try:
                line = self._answers.get(timeout=self.seconds)
            except queue.Empty:
                self._kill()
                why = f"it took longer than {self.seconds:g} s to fill in, so it was stopped"
                self._stopped[text] = why
                return RenderFailed(part, why, stopped=True)
            if not line:  # the child ended: out of memory or CPU, or killed
                self._kill()
                why = "it used more memory or time than a template may, so it was stopped"
                self._stopped[text] = why
                return RenderFailed(part, why, stopped=True)
            answer = json.loads(line)
            if "ok" not in answer:
                return RenderFailed(part, str(answer["error"]))  # the job's last line
            filled.append(str(answer["ok"]))
        return filled

    def close(self) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        try:
            if child.stdin is not None:
                child.stdin.close()  # the child's loop ends
            child.wait(timeout=self.seconds)
        except (OSError, subprocess.TimeoutExpired):
            child.kill()
            child.wait()

    def _started(self) -> subprocess.Popen[bytes]:
        if self._child is not None:
            return self._child
        try:
            child = subprocess.Popen([sys.executable, "-I", str(_CHILD)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        except OSError as err:
            raise RendererUnavailable(f"Could not start the template renderer: "
                                      f"{err.strerror or err}.") from None
        answers: queue.Queue[bytes] = queue.Queue()
        self._answers = answers
        assert child.stdout is not None
        threading.Thread(target=_read_lines, args=(child.stdout, answers), daemon=True,
                         name="pipedesk-renderer-out").start()
        try:
            ready = answers.get(timeout=START_SECONDS)
        except queue.Empty:
            ready = b""
        if not ready.startswith(b'{"ready"'):
            child.kill()
            child.wait()
            raise RendererUnavailable("The template renderer did not start (Jinja2 missing "
                                      "from this Python?).")
        self._child = child
        return child

    def _kill(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            child.kill()
            child.wait()


def _write_jobs(stdin: IO[bytes], jobs: Sequence[Job], skip: frozenset[str]) -> None:
    """Hand the jobs to the child, in order, leaving out those `fill_all`
    answers itself; ends when they are written or the child is gone."""
    try:
        for job in jobs:
            if not any(text in skip for _, text, _ in job.parts):
                stdin.write(json.dumps({"parts": job.parts, "values": job.values}).encode()
                            + b"\n")
        stdin.flush()
    except (OSError, ValueError):
        return  # killed (a part ran over), or closed: the jobs go to the next child


def _read_lines(stream: IO[bytes], answers: queue.Queue[bytes]) -> None:
    """The child's answers, a line each; b"" when it ended."""
    with stream:
        for line in stream:
            answers.put(line)
    answers.put(b"")
