"""Benchmark of the local store (issue 2); prints one JSON object on stdout.

Progress goes to stderr. Every desk lives in a temporary directory that is
removed at the end.

- load: `open_desk` on desks made by `pipedesk demo --tickets N --seed S`,
  each run in a fresh Python process (imports and OS caches as a user
  starting the program meets them); median and min of --repeat runs, with
  `import core` timed apart and the whole child process timed around it.
- load_tail (largest size): the same after COMPACT_AFTER journal entries past
  the snapshot (the most a desk replays at start), and the open one entry
  later, which also rewrites tickets.json (compaction).
- append (smallest size): --appends single-ticket commands that each append
  one journal line with fdatasync (`Desk.edit_ticket`, each a real change of
  priority; `Desk.move_ticket` to the next stage); p50 / p99 / max in ms.
  Beside them, the parts: the writer lock alone, `Journal.append` of one
  entry, and a bare write + fdatasync, to tell I/O from domain work.
- decode (largest size): tickets.json decoded by msgspec (as the store does)
  against pydantic's `validate_json` into a model with the same fields,
  the cycle collector paused for both.

Run: .venv/bin/python bench/store.py [--sizes 10000,100000] [--appends 1000]
     [--repeat 5] [--seed 1]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGETS = {"load_100000_s": 1.0, "append_p50_ms": 2.0}
PIPEDESK = Path(sys.executable).with_name("pipedesk")

# Run with `python -c` in the repo's root, one fresh process per load.
LOAD_PROBE = """
import time
t0 = time.perf_counter()
import json, resource, sys
from pathlib import Path
from core import Desk, open_desk
t1 = time.perf_counter()
desk = open_desk(Path(sys.argv[1]))
t2 = time.perf_counter()
try:  # this process's own peak: ru_maxrss may carry the parent's across the spawn
    status = open("/proc/self/status").read().split("VmHWM:")[1]
    peak_kb = int(status.split()[0])
except (OSError, IndexError):
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({
    "import_s": t1 - t0, "open_s": t2 - t1, "tickets": len(desk.state.tickets),
    "seq": desk.state.seq, "peak_rss_mb": peak_kb / 1024,
}))
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def r4(x: float) -> float:
    return round(x, 4)


# -- the machine -----------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "platform": platform.platform(),
        "tmpdir": tempfile.gettempdir(),
    }


def run(command: list[str]) -> str:
    """Run a child process; on failure show its stderr, then stop."""
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        log(done.stderr)
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command[:3])} …")
    return done.stdout


# -- making desks ------------------------------------------------------------------


def make_desk(directory: Path, tickets: int, seed: int) -> tuple[float, str]:
    """Make a demo desk; returns the seconds it took and how it was made."""
    started = time.perf_counter()
    if PIPEDESK.exists():
        run([str(PIPEDESK), "--data-dir", str(directory), "demo", "--tickets", str(tickets),
             "--seed", str(seed)])
        made_by = "pipedesk demo"
    else:  # the console script is not installed: the same code, called directly
        from core import LOCAL_ADMIN, open_desk
        from core.demo import add_demo_tickets

        add_demo_tickets(open_desk(directory), LOCAL_ADMIN, tickets, seed)
        made_by = "core.demo.add_demo_tickets (no pipedesk console script)"
    return time.perf_counter() - started, made_by


# -- load ------------------------------------------------------------------------------


def probe(directory: Path) -> dict[str, Any]:
    started = time.perf_counter()
    result: dict[str, Any] = json.loads(run([sys.executable, "-c", LOAD_PROBE, str(directory)]))
    result["process_s"] = time.perf_counter() - started
    return result


def summarise_loads(runs: list[dict[str, Any]]) -> dict[str, Any]:
    opens = [r["open_s"] for r in runs]
    imports = [r["import_s"] for r in runs]
    return {
        "open_s_median": r4(statistics.median(opens)),
        "open_s_min": r4(min(opens)),
        "import_core_s_median": r4(statistics.median(imports)),
        "import_core_s_min": r4(min(imports)),
        "process_s_median": r4(statistics.median(r["process_s"] for r in runs)),
        "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1),
        "tickets": runs[0]["tickets"],
        "runs": len(runs),
    }


def measure_load(directory: Path, repeat: int) -> dict[str, Any]:
    return summarise_loads([probe(directory) for _ in range(repeat)])


def snapshot_seq(path: Path) -> int:
    with open(path, "rb") as f:
        head = f.read(200)
    found = re.search(rb'"seq":(\d+)', head)
    if found is None:
        raise RuntimeError(f"{path}: no seq in its first bytes")
    return int(found[1])


# -- commands -----------------------------------------------------------------------


def percentiles(samples_s: list[float]) -> dict[str, Any]:
    """Nearest-rank percentiles, in ms."""
    ms = sorted(s * 1000 for s in samples_s)

    def rank(p: int) -> float:
        return round(ms[max(0, -(-len(ms) * p // 100) - 1)], 3)

    return {"p50_ms": rank(50), "p99_ms": rank(99), "max_ms": round(ms[-1], 3),
            "first_ms": round(samples_s[0] * 1000, 3), "n": len(ms)}


def timed(count: int, step: Callable[[int], object]) -> list[float]:
    samples = []
    for n in range(count):
        started = time.perf_counter()
        step(n)
        samples.append(time.perf_counter() - started)
    return samples


def edit_priorities(desk: Any, ticket_ids: list[str]) -> list[float]:
    """One `edit_ticket` per id, each setting a priority the ticket has not."""
    from core import LOCAL_ADMIN
    from core.records import PRIORITIES

    def step(n: int) -> None:
        ticket = desk.state.tickets[ticket_ids[n]]
        current = PRIORITIES.index(ticket.priority) if ticket.priority else -1
        new = PRIORITIES[(current + 1) % len(PRIORITIES)]
        desk.edit_ticket(ticket.id, {"priority": new}, LOCAL_ADMIN)

    before = desk.state.seq
    samples = timed(len(ticket_ids), step)
    check_appended(desk, before, len(ticket_ids), "edit_ticket")
    return samples


def move_to_next_stage(desk: Any, ticket_ids: list[str]) -> list[float]:
    """One `move_ticket` per id, to the stage after its own (round the end)."""
    from core import LOCAL_ADMIN

    stages = {p.id: [s.id for s in p.stages] for p in desk.config.pipelines}

    def step(n: int) -> None:
        ticket = desk.state.tickets[ticket_ids[n]]
        order = stages[ticket.pipeline]
        target = order[(order.index(ticket.stage) + 1) % len(order)]
        desk.move_ticket(ticket.id, target, LOCAL_ADMIN)

    before = desk.state.seq
    samples = timed(len(ticket_ids), step)
    check_appended(desk, before, len(ticket_ids), "move_ticket")
    return samples


def check_appended(desk: Any, before: int, expected: int, what: str) -> None:
    if desk.state.seq - before != expected:
        raise RuntimeError(f"{what}: {desk.state.seq - before} journal entries "
                           f"for {expected} commands")


def measure_appends(directory: Path, count: int) -> dict[str, Any]:
    from filelock import FileLock

    from core import open_desk
    from core.events import Entry, TicketChanged
    from core.store.files import sync
    from core.store.journal import Journal, encode

    desk = open_desk(directory)
    ids = list(desk.state.tickets)[:count]
    edit = edit_priorities(desk, ids)
    move = move_to_next_stage(desk, ids)

    # The parts of a command, on scratch files beside the desk's own.
    lock = FileLock(directory / "bench.lock", thread_local=False)

    def lock_step(_: int) -> None:
        with lock:
            pass

    journal = Journal(directory / "bench-journal.jsonl")

    def entry(n: int) -> Entry:
        return Entry(seq=n + 1, at=desk.now(), actor="user:admin",
                     event=TicketChanged(ticket=ids[0], changes={"priority": ["LOW", "HIGH"]}))

    journal.append([entry(0)])  # made, and its directory synced, before timing
    line = encode(entry(0))
    fd = os.open(directory / "bench-raw.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def raw_step(_: int) -> None:
        os.write(fd, line)
        sync(fd)

    try:
        parts = {
            "lock": percentiles(timed(count, lock_step)),
            "journal_append": percentiles(timed(count, lambda n: journal.append([entry(n)]))),
            "write_fdatasync": percentiles(timed(count, raw_step)),
        }
    finally:
        os.close(fd)
    return {
        "desk_tickets": len(desk.state.tickets),
        "line_bytes": len(line),
        "edit_ticket": percentiles(edit),
        "move_ticket": percentiles(move),
        **parts,
    }


# -- a journal tail, and the open that compacts ----------------------------------------


def measure_tail(directory: Path, repeat: int) -> dict[str, Any]:
    from core import open_desk
    from core.store.local import COMPACT_AFTER

    snapshot = directory / "tickets.json"
    desk = open_desk(directory)
    need = COMPACT_AFTER - (desk.state.seq - snapshot_seq(snapshot))  # some may be there
    ids = list(desk.state.tickets)
    last = ids[-1]
    ids = (ids * (need // len(ids) + 1))[:need]
    log(f"  {need} edits on it …")
    edits = percentiles(edit_priorities(desk, ids)) if ids else None
    del desk, ids
    gc.collect()

    log(f"  loading it {repeat} times with {COMPACT_AFTER} entries to replay …")
    tail = measure_load(directory, repeat)

    desk = open_desk(directory)
    if desk.state.seq - snapshot_seq(snapshot) != COMPACT_AFTER:
        raise RuntimeError("the journal's tail is not COMPACT_AFTER entries long")
    edit_priorities(desk, [last])  # one past COMPACT_AFTER: the next open compacts
    del desk
    gc.collect()
    backup = directory / "tickets.json.bench"
    shutil.copyfile(snapshot, backup)
    before = snapshot_seq(snapshot)
    log(f"  {repeat} opens that compact …")
    runs = []
    for _ in range(repeat):
        shutil.copyfile(backup, snapshot)
        with open(snapshot, "rb+") as f:
            os.fsync(f.fileno())  # the old snapshot on disk, as a user's would be
        opened = probe(directory)
        if snapshot_seq(snapshot) <= before:
            raise RuntimeError("the open did not compact")
        runs.append(opened)
    backup.unlink()
    return {
        "entries_past_snapshot": COMPACT_AFTER,
        "edit_ticket_at_this_size": edits,
        "open_with_tail": tail,
        "open_that_compacts": summarise_loads(runs),
    }


# -- decoding: msgspec against pydantic --------------------------------------------------


def measure_decode(snapshot: Path, repeat: int = 3) -> dict[str, Any]:
    import msgspec
    import pydantic

    from core.records import Ticket
    from core.store.snapshot import Snapshot

    data = snapshot.read_bytes()
    start = data.index(b'"tickets":[') + len(b'"tickets":')
    # The tickets' list ends where automation's state begins (snapshot.py).
    tickets_json = data[start:data.index(b'\n],\n"notifications":', start) + 2]

    fields: dict[str, Any] = {}
    for f in msgspec.structs.fields(Ticket):
        if f.default is not msgspec.NODEFAULT:
            fields[f.name] = (f.type, f.default)
        elif f.default_factory is not msgspec.NODEFAULT:
            fields[f.name] = (f.type, pydantic.Field(default_factory=f.default_factory))
        else:
            fields[f.name] = (f.type, ...)
    model = pydantic.create_model("PydanticTicket", **fields)
    adapter = pydantic.TypeAdapter(list[model])
    decoder = msgspec.json.Decoder(Snapshot)

    def best(decode: Callable[[], object], collect: bool = False) -> float:
        times = []
        for _ in range(repeat):
            gc.collect()
            if not collect:
                gc.disable()
            started = time.perf_counter()
            decoded = decode()
            times.append(time.perf_counter() - started)
            gc.enable()
            del decoded
        return r4(min(times))

    msgspec_s = best(lambda: decoder.decode(data))
    pydantic_s = best(lambda: adapter.validate_json(tickets_json))
    return {
        "tickets": len(decoder.decode(data).tickets),
        "msgspec_snapshot_s": msgspec_s,
        "pydantic_validate_json_s": pydantic_s,
        "pydantic_validate_json_gc_running_s": best(lambda: adapter.validate_json(tickets_json),
                                                    collect=True),
        "ratio": round(pydantic_s / msgspec_s, 1),
        "note": "min of 3 in one warm process; cycle collector paused unless said",
    }


# -- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000",
                        help="desk sizes in tickets, comma-separated")
    parser.add_argument("--appends", type=int, default=1000,
                        help="commands timed for each kind of append")
    parser.add_argument("--repeat", type=int, default=5, help="fresh-process loads per desk")
    parser.add_argument("--seed", type=int, default=1, help="pipedesk demo --seed")
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if not sizes or args.appends < 1 or args.repeat < 1:
        parser.error("need at least one size, one append and one repeat")

    began = time.perf_counter()
    result: dict[str, Any] = {"bench": "store", **machine(), "seed": args.seed,
                              "load_average_before": os.getloadavg(), "load": {}}
    root = Path(tempfile.mkdtemp(prefix="pipedesk-bench-"))
    try:
        for size in sizes:
            directory = root / f"desk-{size}"
            log(f"making a desk of {size} tickets …")
            made_s, result["made_by"] = make_desk(directory, size, args.seed)
            log(f"loading it {args.repeat} times …")
            result["load"][str(size)] = {
                **measure_load(directory, args.repeat),
                "tickets_json_bytes": (directory / "tickets.json").stat().st_size,
                "tickets_jsonl_bytes": (directory / "tickets.jsonl").stat().st_size,
                "demo_s": round(made_s, 2),
            }
        log(f"{args.appends} durable appends of each kind on the {sizes[0]}-ticket desk …")
        result["append"] = {str(sizes[0]): measure_appends(root / f"desk-{sizes[0]}",
                                                           args.appends)}
        largest = root / f"desk-{sizes[-1]}"
        log(f"decoding the {sizes[-1]}-ticket snapshot: msgspec, pydantic …")
        result["decode"] = measure_decode(largest / "tickets.json")
        log(f"journal tail on the {sizes[-1]}-ticket desk …")
        result["load_tail"] = {str(sizes[-1]): measure_tail(largest, args.repeat)}
    finally:
        shutil.rmtree(root, ignore_errors=True)

    load = result["load"].get("100000", {}).get("open_s_median")
    compacting = (result["load_tail"].get("100000", {})
                  .get("open_that_compacts", {}).get("open_s_median"))
    appends = result["append"][str(sizes[0])]
    append_p50 = max(appends["edit_ticket"]["p50_ms"], appends["move_ticket"]["p50_ms"])
    result["targets"] = {
        "load_100000_s": {
            "target": TARGETS["load_100000_s"],
            "measured": load,
            "of": "median open_desk of the 100,000-ticket desk just made",
            "met": None if load is None else load <= TARGETS["load_100000_s"],
            "measured_when_compacting": compacting,
            "met_when_compacting": (None if compacting is None
                                    else compacting <= TARGETS["load_100000_s"]),
        },
        "append_p50_ms": {
            "target": TARGETS["append_p50_ms"],
            "measured": append_p50,
            "of": f"the slower p50 of edit_ticket and move_ticket, {sizes[0]} tickets",
            "met": append_p50 <= TARGETS["append_p50_ms"],
        },
    }
    result["load_average_after"] = os.getloadavg()
    result["bench_s"] = round(time.perf_counter() - began, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
