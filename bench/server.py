"""Benchmark of the server (issue 15 item 8); prints one JSON object.

Ticket moves over HTTP (`PATCH /crm/v3/objects/tickets/{id}` setting
`hs_pipeline_stage`, each a real move between two open stages, with the
desk's rules, automation and access) by --clients concurrent clients for
--seconds, against:

- postgres: two `pipedesk serve` processes on one PostgreSQL database (a
  throwaway cluster started from the installed binaries, as the tests do),
  the clients split between them;
- sqlite: one `pipedesk serve` on SQLite;

and, in the same run, the floor of this stack: the same load against a bare
FastAPI endpoint under uvicorn that inserts one row per request into the
same kind of database (bench/floor_app.py; two processes on PostgreSQL, one
on SQLite). Requests per second, p50 / p99 latency in ms, and moves as a
share of the floor's requests per second (target: at least 50 %).

Feed latency: a move made through one PostgreSQL server process, to the
change arriving at a client of the other's feed (long-poll), median and p95
over --feed-moves moves (target: p95 at most 100 ms).

Progress goes to stderr. Run: .venv/bin/python bench/server.py
     [--seconds 10] [--clients 16] [--tickets 200] [--feed-moves 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from core import LOCAL_ADMIN  # noqa: E402
from server.run import open_served_desk  # noqa: E402


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"a server process exited at start ({process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing answered on port {port}")


@contextmanager
def processes(commands: list[tuple[list[str], dict[str, str], int]]) -> Iterator[list[str]]:
    """Start each (argv, extra environment, port); their base URLs; killed at the end."""
    started = []
    try:
        for argv, extra, port in commands:
            process = subprocess.Popen(argv, env={**os.environ, **extra}, cwd=ROOT,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            started.append(process)
            wait_for_port(port, process)
        yield [f"http://127.0.0.1:{port}" for _, _, port in commands]
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def serve_command(database: str, port: int, data_dir: Path
                  ) -> tuple[list[str], dict[str, str], int]:
    return ([str(ROOT / ".venv" / "bin" / "pipedesk"), "--data-dir", str(data_dir), "serve",
             "--database", database, "--port", str(port)], {}, port)


def floor_command(database: str, port: int) -> tuple[list[str], dict[str, str], int]:
    return ([sys.executable, "-m", "uvicorn", "bench.floor_app:app", "--factory",
             "--port", str(port), "--log-level", "warning"],
            {"PIPEDESK_FLOOR_DATABASE": database, "PYTHONPATH": str(ROOT)}, port)


def prepare(database: str, tickets: int, spools: Path
            ) -> tuple[str, list[str], tuple[str, str]]:
    """A desk in `database` with `tickets` tickets in New, a token for its
    administrator; the token, the ticket ids and two open stages' ids."""
    desk = open_served_desk(database, spools)
    pipeline = desk.pipelines(LOCAL_ADMIN)[0]
    first, second = (s.id for s in pipeline.stages[:2])
    from core.desk import TicketDraft

    made = desk.create_tickets([TicketDraft(pipeline=pipeline.id, stage=first,
                                            subject=f"Load {n}") for n in range(tickets)],
                               LOCAL_ADMIN)
    _token, secret = desk.create_token("admin", LOCAL_ADMIN, name="bench")
    return secret, [t.id for t in made], (first, second)


def load(urls: list[str], request: Callable[[httpx.AsyncClient, int], Any], clients: int,
         seconds: float) -> dict[str, float]:
    """`clients` concurrent loops of `request` for `seconds`, spread over
    `urls`; requests per second and latency."""
    latencies: list[float] = []
    failures = 0

    async def client(n: int, http: httpx.AsyncClient) -> None:
        nonlocal failures
        deadline = time.monotonic() + seconds
        turn = 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = await request(http, n * 100_000 + turn)
            latencies.append(time.perf_counter() - started)
            if response.status_code >= 300:
                failures += 1
            turn += 1

    async def run() -> float:
        https = [httpx.AsyncClient(base_url=url, timeout=30) for url in urls]
        started = time.perf_counter()
        await asyncio.gather(*(client(n, https[n % len(https)]) for n in range(clients)))
        took = time.perf_counter() - started
        for http in https:
            await http.aclose()
        return took

    took = asyncio.run(run())
    ordered = sorted(latencies)
    return {"requests_per_s": round(len(latencies) / took, 1),
            "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2),
            "p99_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 2),
            "requests": len(latencies), "failed": failures}


def moves(secret: str, ids: list[str], stages: tuple[str, str]
          ) -> Callable[[httpx.AsyncClient, int], Any]:
    headers = {"Authorization": f"Bearer {secret}"}

    def request(http: httpx.AsyncClient, n: int) -> Any:
        ticket = ids[n % len(ids)]
        stage = stages[(n // len(ids)) % 2 == 0]
        return http.patch(f"/crm/v3/objects/tickets/{ticket}", headers=headers,
                          json={"properties": {"hs_pipeline_stage": stage}})

    return request


def inserts(http: httpx.AsyncClient, n: int) -> Any:
    return http.post("/floor", json={"n": n, "subject": "Load"})


def changed_ids(answer: dict[str, Any]) -> set[str]:
    """The tickets one answer of the feed says changed (docs/server.md)."""
    return {str(t["id"]) for t in answer.get("tickets", [])}


def feed_latency(urls: list[str], secret: str, ids: list[str], stages: tuple[str, str],
                 count: int) -> dict[str, float]:
    """Moves through urls[0], one at a time; for each, the time until a
    client following urls[1]'s feed (long-poll) has it."""
    headers = {"Authorization": f"Bearer {secret}"}
    writer = httpx.Client(base_url=urls[0], headers=headers, timeout=30)
    reader = httpx.Client(base_url=urls[1], headers=headers, timeout=60)
    awaited: dict[str, threading.Event] = {}
    arrived: dict[str, float] = {}
    stop = threading.Event()

    def follow() -> None:
        after = reader.get("/pipedesk/v1/changes", params={"after": 0, "wait": 0}).json()["seq"]
        while not stop.is_set():
            answer = reader.get("/pipedesk/v1/changes", params={"after": after, "wait": 2}).json()
            now = time.perf_counter()
            after = answer["seq"]
            for ticket in changed_ids(answer) & awaited.keys():
                arrived[ticket] = now
                awaited.pop(ticket).set()

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    time.sleep(0.5)
    times = []
    for n in range(count):
        ticket = ids[n % len(ids)]
        now_in = writer.get(f"/crm/v3/objects/tickets/{ticket}",
                            params={"properties": "hs_pipeline_stage"}).json()
        other = stages[1] if now_in["properties"]["hs_pipeline_stage"] == stages[0] else stages[0]
        got = awaited[ticket] = threading.Event()
        started = time.perf_counter()
        writer.patch(f"/crm/v3/objects/tickets/{ticket}",
                     json={"properties": {"hs_pipeline_stage": other}})
        if got.wait(10):
            times.append(arrived[ticket] - started)
    stop.set()
    follower.join(5)
    ordered = sorted(times)
    return {"median_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(ordered[int(len(ordered) * 0.95)] * 1000, 2),
            "moves": count, "heard": len(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--feed-moves", type=int, default=100)
    args = parser.parse_args()
    from pg_fixtures import PgCluster

    result: dict[str, Any] = {"clients": args.clients, "seconds": args.seconds,
                              "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="pipedesk-bench-") as tmp:
        say("sqlite: floor")
        floor_db = f"sqlite:///{Path(tmp) / 'floor.sqlite3'}"
        port = free_port()
        with processes([floor_command(floor_db, port)]) as urls:
            floor = load(urls, inserts, args.clients, args.seconds)
        say("sqlite: moves")
        desk_db = f"sqlite:///{Path(tmp) / 'desk.sqlite3'}"
        secret, ids, stages = prepare(desk_db, args.tickets, Path(tmp))
        port = free_port()
        with processes([serve_command(desk_db, port, Path(tmp))]) as urls:
            moved = load(urls, moves(secret, ids, stages), args.clients, args.seconds)
        result["sqlite"] = {"moves": moved, "floor": floor,
                            "share_of_floor": round(moved["requests_per_s"]
                                                    / floor["requests_per_s"], 3)}
        cluster = PgCluster()
        cluster.start()
        try:
            say("postgres: floor (2 processes)")
            floor_db = cluster.new_database()
            ports = [free_port(), free_port()]
            with processes([floor_command(floor_db, p) for p in ports]) as urls:
                floor = load(urls, inserts, args.clients, args.seconds)
            say("postgres: moves (2 processes)")
            desk_db = cluster.new_database()
            secret, ids, stages = prepare(desk_db, args.tickets, Path(tmp))
            ports = [free_port(), free_port()]
            with processes([serve_command(desk_db, p, Path(tmp)) for p in ports]) as urls:
                moved = load(urls, moves(secret, ids, stages), args.clients, args.seconds)
                say("postgres: feed latency")
                feed = feed_latency(urls, secret, ids, stages, args.feed_moves)
            result["postgres"] = {"moves": moved, "floor": floor,
                                  "share_of_floor": round(moved["requests_per_s"]
                                                          / floor["requests_per_s"], 3),
                                  "feed": feed}
        finally:
            cluster.remove()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
