"""Benchmark of the terminal client on a server (issue 16 item 7); prints
one JSON object.

One `pipedesk serve` on SQLite holding a desk of --tickets tickets made by
`pipedesk demo` (the same demo, with the same seed, is made in a local data
dir too), and:

- cross_client_repaint: client A (a `RemoteDesk` in a thread of this
  process) moves a ticket; client B (the app, headless 120x40, on its own
  `RemoteDesk`, following the feed) shows it in its new column. From
  before A sends the move to the first frame B renders after its board
  took the move in; median and p95 over --moves moves (target: p95 at
  most 150 ms). Anchor, in the same run: a bare request to the same server
  (`GET /pipedesk/v1/me`), median and p95.
- warm_first_board: a fresh process opens the app on a client's replica of
  the desk kept on disk (written by an earlier client) up to its first
  painted board, alternating with a fresh process opening the local data
  dir's board the same way; medians of --paints runs, and the warm
  client's over the local (target: at most 0.1 s more).
- replay: with the server stopped, a client makes --replay moves (each
  queued on disk and shown on its replica); the server is started again
  and the time to send them all, in order, each once, is taken (target:
  at least 200 commands per second).

Progress goes to stderr. Run: .venv/bin/python bench/sync.py
     [--tickets 100000] [--moves 200] [--paints 5] [--replay 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The local first board is bench/board.py's (its child, up to the first
# paint), timed as there.
from bench.board import CHILD as LOCAL_CHILD  # noqa: E402
from bench.board import first_paint, stats  # noqa: E402
from bench.server import free_port  # noqa: E402

PIPEDESK = ROOT / ".venv" / "bin" / "pipedesk"
TARGETS = {"cross_client_repaint_p95_ms": 150.0, "warm_over_local_first_board_s": 0.1,
           "replay_commands_per_s": 200.0}

WARM_CHILD = r'''
import asyncio, sys
from pathlib import Path

async def main() -> None:
    from core.remote.api import ServerApi
    from core.remote.desk import RemoteDesk
    from tui.app import PipedeskApp
    desk = RemoteDesk(ServerApi(sys.argv[1], sys.argv[2]), folder=Path(sys.argv[3]))
    app = PipedeskApp(desk, desk.remote_actor)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        print("painted", flush=True)

asyncio.run(main())
'''


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Server:
    """`pipedesk serve` on a data dir's SQLite, stopped and started again."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir, self.port = data_dir, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(PIPEDESK), "--data-dir", str(self.data_dir), "serve", "--port",
             str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("the server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


def pipedesk(*args: str) -> str:
    done = subprocess.run([str(PIPEDESK), *args], check=True, capture_output=True, text=True)
    return done.stdout.strip()


def cross_client(url: str, token: str, folder: Path, moves: int) -> dict[str, Any]:
    from core.remote.api import ServerApi
    from core.remote.desk import RemoteDesk
    from tui.app import PipedeskApp
    from tui.screens.board import BoardScreen

    mover = RemoteDesk(ServerApi(url, token), folder=folder / "a")
    viewer = RemoteDesk(ServerApi(url, token), folder=folder / "b")
    bare: list[float] = []
    with ServerApi(url, token) as api:
        for _ in range(max(moves, 50)):
            started = time.perf_counter()
            api.me()
            bare.append(time.perf_counter() - started)
    samples: list[float] = []

    async def run() -> None:
        app = PipedeskApp(viewer, viewer.remote_actor)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            # When the board took a change in, and when frames were drawn:
            # the repaint is the first frame after the change.
            applied: list[float] = []
            drawn: list[float] = []
            show = app._display

            def display(screen: Any, update: Any) -> None:
                show(screen, update)
                if update is not None:
                    drawn.append(time.perf_counter())

            app._display = display  # type: ignore[method-assign]
            board = app.screen
            assert isinstance(board, BoardScreen)
            take_in = board.index.apply

            def apply(notice: Any) -> Any:
                change = take_in(notice)
                applied.append(time.perf_counter())
                return change

            board.index.apply = apply  # type: ignore[method-assign]
            first, second = (c.stage.id for c in board.columns[:2])
            for n in range(moves):
                source, target = (first, second) if n % 2 == 0 else (second, first)
                column = next(c for c in board.columns if c.stage.id == source)
                ticket = column.tickets[-1]
                started = time.perf_counter()
                thread = threading.Thread(target=mover.move_ticket, args=(
                    ticket.id, target, mover.remote_actor))
                thread.start()
                deadline = time.monotonic() + 10
                while (board.index.position(ticket.id) or ("",))[0] != target:
                    if time.monotonic() > deadline:
                        raise SystemExit(f"move {n}: #{ticket.id} did not reach the board")
                    await asyncio.sleep(0.001)
                took_in = applied[-1]
                while not drawn or drawn[-1] < took_in:
                    if time.monotonic() > deadline:
                        raise SystemExit(f"move {n}: no frame after the board took it in")
                    await asyncio.sleep(0.001)
                samples.append(next(t for t in drawn if t >= took_in) - started)
                thread.join()
                mover.refresh()

    asyncio.run(run())
    return {"moves": stats(samples), "bare_request": stats(bare)}


def replay(server: Server, token: str, folder: Path, count: int) -> dict[str, Any]:
    from core.remote.api import ServerApi
    from core.remote.desk import RemoteDesk
    from core.remote.status import Queued

    desk = RemoteDesk(ServerApi(server.url, token), folder=folder)
    desk.refresh()
    pipeline = desk.pipelines(desk.remote_actor)[0]
    first, second = pipeline.stages[0].id, pipeline.stages[1].id
    chosen = [t.id for t in desk.tickets(desk.remote_actor) if t.stage == first][:count]
    server.stop()
    for ticket_id in chosen:
        with contextlib.suppress(Queued):
            desk.move_ticket(ticket_id, second, desk.remote_actor)
    waiting = len(desk.queue.waiting())
    server.start()
    started = time.perf_counter()
    desk.refresh()
    took = time.perf_counter() - started
    left = len(desk.queue.waiting())
    return {"queued": waiting, "left_after": left, "seconds": round(took, 3),
            "commands_per_s": round(waiting / took, 1) if took else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--moves", type=int, default=200)
    parser.add_argument("--paints", type=int, default=5)
    parser.add_argument("--replay", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="pipedesk-bench-sync-"))
    os.environ["PIPEDESK_CACHE"] = str(root / "cache")
    result: dict[str, Any] = {"bench": "sync", "python": sys.version.split()[0],
                              "cpus": os.cpu_count(), "tickets": args.tickets}
    server = Server(root / "server")
    try:
        say(f"making the desks of {args.tickets} tickets (server and local) …")
        database = f"sqlite:///{root / 'server' / 'desk.sqlite3'}"
        pipedesk("--database", database, "demo", "--tickets", str(args.tickets),
                 "--seed", str(args.seed))
        token = pipedesk("--database", database, "token", "create", "--user", "admin",
                         "--name", "bench")
        pipedesk("--data-dir", str(root / "local"), "demo", "--tickets", str(args.tickets),
                 "--seed", str(args.seed))
        server.start()
        say("a first client takes the whole desk and keeps it on disk …")
        from core.remote.api import ServerApi
        from core.remote.desk import RemoteDesk

        started = time.perf_counter()
        RemoteDesk(ServerApi(server.url, token), folder=root / "warm")
        result["cold_client_open_s"] = round(time.perf_counter() - started, 3)

        say("first boards: warm client and local, alternating …")
        first_paint(LOCAL_CHILD, str(root / "local"), "0")
        first_paint(WARM_CHILD, server.url, token, str(root / "warm"))
        local, warm = [], []
        for _ in range(args.paints):
            local.append(first_paint(LOCAL_CHILD, str(root / "local"), "0"))
            warm.append(first_paint(WARM_CHILD, server.url, token, str(root / "warm")))
        result["warm_first_board"] = {
            "local_s": round(statistics.median(local), 3),
            "warm_client_s": round(statistics.median(warm), 3),
            "warm_over_local_s": round(statistics.median(warm) - statistics.median(local), 3),
            "local_runs_s": [round(s, 3) for s in local],
            "warm_runs_s": [round(s, 3) for s in warm]}

        say(f"cross-client repaint over {args.moves} moves …")
        result["cross_client_repaint"] = cross_client(server.url, token, root / "clients",
                                                      args.moves)
        say(f"replay of {args.replay} queued moves …")
        result["replay"] = replay(server, token, root / "replay", args.replay)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)

    measured = {
        "cross_client_repaint_p95_ms": result["cross_client_repaint"]["moves"]["p95_ms"],
        "warm_over_local_first_board_s": result["warm_first_board"]["warm_over_local_s"],
        "replay_commands_per_s": result["replay"]["commands_per_s"]}
    result["targets"] = {name: {"target": TARGETS[name], "measured": value,
                                "met": value >= TARGETS[name] if name.endswith("per_s")
                                else value <= TARGETS[name]}
                         for name, value in measured.items()}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
