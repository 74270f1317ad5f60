"""Benchmark of the local store; prints one JSON object.

- load: `Desk.open` on desks of 10,000 and 100,000 tickets made by
  `pipedesk demo`, each run in a fresh process (imports and caches as a user
  starting the program meets them); median and min of --repeat runs.
- append: single-ticket commands that each append one journal line with
  fsync (`Desk.edit_ticket`), p50 / p99 / max in ms; and the bare journal
  append beside it, to tell I/O from domain work.

Run: .venv/bin/python bench/store.py [--sizes 10000,100000] [--appends 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGETS = {"load_100000_s": 1.0, "append_p50_ms": 2.0}
PIPEDESK = Path(sys.executable).with_name("pipedesk")

LOAD_PROBE = """
import sys, time, json
from pathlib import Path
t0 = time.perf_counter()
from core import Desk
t1 = time.perf_counter()
desk = Desk.open(Path(sys.argv[1]))
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "open_s": t2 - t1, "tickets": len(desk.state.tickets)}))
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def make_desk(directory: Path, tickets: int, seed: int) -> float:
    started = time.perf_counter()
    subprocess.run([str(PIPEDESK), "--data-dir", str(directory), "demo", "--tickets",
                    str(tickets), "--seed", str(seed)], check=True, capture_output=True)
    return time.perf_counter() - started


def measure_load(directory: Path, repeat: int) -> dict[str, Any]:
    runs = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, "-c", LOAD_PROBE, str(directory)],
                              check=True, capture_output=True, text=True)
        runs.append(json.loads(done.stdout))
    opens = [r["open_s"] for r in runs]
    return {
        "open_s_median": round(statistics.median(opens), 4),
        "open_s_min": round(min(opens), 4),
        "import_core_s_median": round(statistics.median(r["import_s"] for r in runs), 4),
        "tickets": runs[0]["tickets"],
        "tickets_json_bytes": (directory / "tickets.json").stat().st_size,
        "tickets_jsonl_bytes": (directory / "tickets.jsonl").stat().st_size,
    }


def percentiles(samples_s: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples_s)
    return {
        "p50_ms": round(ms[len(ms) // 2], 3),
        "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 3),
        "max_ms": round(ms[-1], 3),
        "n": len(ms),
    }


def measure_appends(directory: Path, count: int) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from core import LOCAL_ADMIN, Desk
    from core.events import Entry, TicketChanged
    from core.store.journal import Journal

    desk = Desk.open(directory)
    ids = list(desk.state.tickets)[:count]
    priorities = ("LOW", "HIGH")
    commands = []
    for n, ticket_id in enumerate(ids):
        started = time.perf_counter()
        desk.edit_ticket(ticket_id, {"priority": priorities[n % 2]}, LOCAL_ADMIN)
        commands.append(time.perf_counter() - started)

    scratch = Journal(directory / "bench-journal.jsonl")
    raw = []
    for n in range(count):
        entry = Entry(seq=n + 1, at=desk.now(), actor="user:admin",
                      event=TicketChanged(ticket="1", changes={"priority": ["LOW", "HIGH"]}))
        started = time.perf_counter()
        scratch.append([entry])
        raw.append(time.perf_counter() - started)
    return {"command": percentiles(commands), "journal_append": percentiles(raw)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--appends", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    root = Path(tempfile.mkdtemp(prefix="pipedesk-bench-"))
    result: dict[str, Any] = {
        "bench": "store",
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "made_by": "pipedesk demo",
        "load": {},
    }
    try:
        for size in sizes:
            directory = root / f"desk-{size}"
            log(f"making a desk of {size} tickets …")
            made = make_desk(directory, size, args.seed)
            log(f"loading it {args.repeat} times …")
            result["load"][str(size)] = {"demo_s": round(made, 2),
                                         **measure_load(directory, args.repeat)}
        smallest = root / f"desk-{min(sizes)}"
        log(f"{args.appends} durable appends …")
        result["append"] = measure_appends(smallest, args.appends)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    load_100k = result["load"].get("100000", {}).get("open_s_median")
    append_p50 = result["append"]["command"]["p50_ms"]
    result["targets"] = {
        "load_100000_s": {"target": TARGETS["load_100000_s"], "measured": load_100k,
                          "met": load_100k is not None and load_100k <= TARGETS["load_100000_s"]},
        "append_p50_ms": {"target": TARGETS["append_p50_ms"], "measured": append_p50,
                          "met": append_p50 <= TARGETS["append_p50_ms"]},
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
