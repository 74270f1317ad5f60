"""Benchmark of mail in (issue 13, item 9); prints one JSON object.

- ingest: `pipedesk --data-dir D mail ingest FILE...` as a real process on a
  demo desk of each --sizes (made by `pipedesk demo`), with one email
  channel. First --messages new messages (each makes a ticket), then as
  many replies to them (In-Reply-To the first message: threaded by the
  desk's index of Message-IDs, then moved by A3b). Each message goes the
  whole way: written durably into the inbox Maildir, read, taken by the
  desk (journal line + fdatasync), moved to cur/. The figure is messages
  per second of the whole process, and again without the process's own
  start (the anchor: `pipedesk --version` timed in the same run).
  Target: >= 200 messages/s, the same at 100,000 tickets as at 1,000.
- one_per_process: an MTA pipes one message per process: --single runs of
  `mail ingest` with the message on standard input, median wall time.
- imap_to_board: with a throwaway Dovecot (as the tests start one), a
  message APPENDed to the IMAP folder until it is a card on the open
  board of the real app (`tui.app.PipedeskApp`, headless, 120x40), which
  fetches mail on its timer; --latency runs, median and max. Target: <= 2 s.
  Skipped (said in the JSON) when Dovecot is not installed.

Run: .venv/bin/python bench/mail.py [--sizes 1000,100000] [--messages 500]
     [--single 10] [--latency 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PIPEDESK = Path(sys.executable).with_name("pipedesk")
CHANNEL = "support@pipedesk.example"
TARGET_PER_S = 200
TARGET_IMAP_TO_BOARD_S = 2.0


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def pipedesk(home: Path, *args: str, stdin: bytes | None = None) -> float:
    """Run the real command; its wall time in seconds."""
    started = time.perf_counter()
    done = subprocess.run([str(PIPEDESK), "--data-dir", str(home), *args], input=stdin,
                          capture_output=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        log(done.stderr.decode(errors="replace"))
        raise SystemExit(f"failed ({done.returncode}): pipedesk {' '.join(args[:3])}")
    return took


def message(n: int, reply_to: int | None = None) -> bytes:
    subject = f"Question {n}" if reply_to is None else f"Re: Question {reply_to}"
    lines = [f"From: Customer {n % 97} <customer{n % 97}@example.no>", f"To: {CHANNEL}",
             f"Subject: {subject}", "Date: Mon, 23 Nov 2026 09:00:00 +0100",
             f"Message-ID: <m{n}.{'r' if reply_to is not None else 'n'}@example.no>"]
    if reply_to is not None:
        lines.append(f"In-Reply-To: <m{reply_to}.n@example.no>")
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "",
              "Hello,", "", "the printer on the third floor is on fire again.", "",
              "> On Monday you wrote:", "> have you tried turning it off?", "", "-- ",
              f"Customer {n}"]
    return ("\n".join(lines) + "\n").encode()


def write_messages(folder: Path, messages: list[bytes]) -> list[str]:
    folder.mkdir(parents=True)
    paths = []
    for n, raw in enumerate(messages):
        path = folder / f"{n:06d}.eml"
        path.write_bytes(raw)
        paths.append(str(path))
    return paths


def ingest_figures(size: int, count: int, work: Path, anchor_s: float) -> dict[str, Any]:
    """New tickets, then replies to them, on a desk of `size` tickets: each
    kind as two runs of `count // 4` and `count * 3 // 4` messages, so that
    the difference (the marginal rate) leaves out what every run pays once:
    the process's start and the desk's opening."""
    home = work / f"desk-{size}"
    log(f"making a desk of {size} tickets …")
    pipedesk(home, "demo", "--tickets", str(size), "--seed", "1")
    pipedesk(home, "channel", "add", "email", CHANNEL, "--pipeline", "0")
    result: dict[str, Any] = {"tickets": size, "messages": count}
    small, large = count // 4, count - count // 4
    first = 0
    for name in ("new_tickets", "replies"):
        runs = []
        for n in (small, large):
            if name == "new_tickets":
                raws = [message(first + k) for k in range(n)]
            else:  # a reply to each new message, in the same order
                raws = [message(count + first + k, reply_to=first + k) for k in range(n)]
            files = write_messages(work / f"{name}-{size}-{first}", raws)
            log(f"  {size} tickets: ingesting {n} {name.replace('_', ' ')} …")
            runs.append(pipedesk(home, "mail", "ingest", *files))
            first += n
        if name == "new_tickets":
            first = 0  # the replies answer the new messages, from the first
        took = sum(runs)
        result[name] = {
            "seconds": round(took, 3),
            "messages_per_s": round(count / took, 1),
            "messages_per_s_without_process_start": round(
                count / max(took - 2 * anchor_s, 1e-9), 1),
            "marginal_messages_per_s": round((large - small) / max(runs[1] - runs[0], 1e-9),
                                             1),
        }
    return result


def single_figures(work: Path, runs: int) -> dict[str, Any]:
    home = work / "desk-single"
    pipedesk(home, "demo", "--tickets", "1000", "--seed", "1")
    pipedesk(home, "channel", "add", "email", CHANNEL, "--pipeline", "0")
    times = [pipedesk(home, "mail", "ingest", stdin=message(50_000 + n)) for n in range(runs)]
    return {"runs": runs, "median_s": round(statistics.median(times), 3),
            "max_s": round(max(times), 3)}


def imap_to_board(work: Path, runs: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT))
    from imap_fixtures import dovecot_binary, running_dovecot

    binary = dovecot_binary()
    if binary is None:
        return {"skipped": "Dovecot is not installed (Debian's dovecot-imapd)"}
    import asyncio

    with running_dovecot(binary) as server:
        home = work / "desk-imap"
        pipedesk(home, "demo", "--tickets", "1000", "--seed", "1")
        pipedesk(home, "channel", "add", "email", CHANNEL, "--pipeline", "0",
                 "--imap-host", server.host, "--imap-port", str(server.port),
                 "--imap-security", "starttls", "--imap-user", server.user,
                 "--imap-password-env", "BENCH_IMAP_PASSWORD",
                 "--imap-ca-file", str(server.ca_file))
        os.environ["BENCH_IMAP_PASSWORD"] = server.password
        return asyncio.run(_latencies(home, server, runs))


async def _latencies(home: Path, server: Any, runs: int) -> dict[str, Any]:
    from core import open_desk
    from tui.app import PipedeskApp

    desk = open_desk(home)
    app = PipedeskApp(desk)
    # The desk's own data: the board opens on its first pipeline, where the
    # channel puts new tickets.
    samples = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(1.0)  # the board is up, the first fetch done
        for n in range(runs):
            before = len(desk.state.tickets)
            started = time.perf_counter()
            server.deliver(message(90_000 + n))
            while len(desk.state.tickets) == before or not _on_board(app, str(before + 1)):
                if time.perf_counter() - started > 30:
                    raise SystemExit("the message did not reach the board in 30 s")
                await pilot.pause(0.01)
            samples.append(time.perf_counter() - started)
    return {"runs": runs, "median_s": round(statistics.median(samples), 3),
            "max_s": round(max(samples), 3), "target_s": TARGET_IMAP_TO_BOARD_S,
            "met": max(samples) <= TARGET_IMAP_TO_BOARD_S}


def _on_board(app: Any, ticket_id: str) -> bool:
    """Whether the open board shows the ticket: its card is in the index the
    columns draw from."""
    from tui.screens.board import BoardScreen

    screen = app.screen
    return isinstance(screen, BoardScreen) and any(
        t.id == ticket_id for column in screen.columns for t in column.tickets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--single", type=int, default=10)
    parser.add_argument("--latency", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pipedesk-bench-mail-"))
    try:
        anchor = statistics.median(pipedesk(work / "anchor", "--version") for _ in range(5))
        sizes = [int(s) for s in args.sizes.split(",")]
        ingest = [ingest_figures(size, args.messages, work, anchor) for size in sizes]
        worst = min(min(r["new_tickets"]["messages_per_s"], r["replies"]["messages_per_s"])
                    for r in ingest)
        result = {
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "platform": platform.platform(),
                        "date": time.strftime("%Y-%m-%d", time.gmtime())},
            "anchor_process_s": round(anchor, 3),
            "ingest": ingest,
            "ingest_target_per_s": TARGET_PER_S,
            "ingest_met": worst >= TARGET_PER_S,
            "one_per_process": single_figures(work, args.single),
            "imap_to_board": imap_to_board(work, args.latency) if args.latency else
            {"skipped": "--latency 0"},
        }
        print(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
