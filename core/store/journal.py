"""tickets.jsonl: the append-only journal, one `Entry` a line.

An entry's sequence number is its line number, so a problem is always named
by line. A line is on disk (fsync) before `append` returns. A last line with
no newline is a write cut short by a crash: it is set aside in
`tickets.jsonl.corrupt`, never loaded and never fatal. Any other line that
cannot be read stops the load with its line number.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import msgspec

from core.errors import DataFileError
from core.events import Entry
from core.store.files import sync, sync_dir

_decode = msgspec.json.Decoder(Entry).decode
_encoder = msgspec.json.Encoder()


# Entries encoded per write in `Journal.append`.
_SLICE = 4096
# Bytes read at a time when reading the journal from its end.
_BLOCK = 1 << 20


def mentioning(ticket_id: str) -> bytes:
    """What every line about ticket `ticket_id` holds (ids are JSON text):
    the needle for `Journal.newest_lines_with`."""
    return f'"{ticket_id}"'.encode()


def encode(entry: Entry) -> bytes:
    return _encoder.encode(entry) + b"\n"


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.corrupt_path = path.with_name(path.name + ".corrupt")

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def read(self, offset: int, first_seq: int) -> tuple[list[Entry], int]:
        """The whole lines from byte `offset` on, and the offset after them.

        `first_seq` is the sequence number the first line must carry. A
        trailing piece without a newline is left for later: it may be a line
        another process is writing right now.
        """
        try:
            with open(self.path, "rb") as f:
                f.seek(offset)
                data = f.read()
        except FileNotFoundError:
            return [], offset
        end = data.rfind(b"\n") + 1
        entries = list(self._decode(data[:end], first_seq))
        return entries, offset + end

    def _decode(self, data: bytes, first_seq: int) -> Iterator[Entry]:
        seq = first_seq
        for line in data.splitlines():
            try:
                entry = _decode(line)
            except msgspec.DecodeError as err:
                raise DataFileError(self.path.name, f"cannot read entry: {err}", seq) from None
            except UnicodeDecodeError:
                raise DataFileError(self.path.name, "cannot read entry: not UTF-8 text "
                                    f"({_bad_utf8(line)})", seq) from None
            except RecursionError:
                raise DataFileError(self.path.name, "cannot read entry: lists or objects "
                                    "nested too deep", seq) from None
            if entry.seq != seq:
                raise DataFileError(
                    self.path.name,
                    f"entry numbered {entry.seq} where {seq} was expected "
                    "(lines missing or out of order)",
                    seq,
                )
            seq += 1
            yield entry

    def seq_before(self, offset: int) -> int | None:
        """The number of the entry whose line ends at byte `offset` (0 at
        the start), or None if no whole line ends there: how a snapshot's
        `journal_offset` is checked against the journal."""
        if offset == 0:
            return 0
        try:
            with open(self.path, "rb") as f:
                if offset > os.fstat(f.fileno()).st_size:
                    return None
                f.seek(offset - 1)
                if f.read(1) != b"\n":
                    return None
                # Back to the line's start: a few kB hold most lines.
                size = 4096
                while True:
                    start = max(0, offset - 1 - size)
                    f.seek(start)
                    data = f.read(offset - 1 - start)
                    cut = data.rfind(b"\n")
                    if cut >= 0 or start == 0:
                        return _seq_of(data[cut + 1:])
                    size *= 4
        except FileNotFoundError:
            return None

    def last_seq(self) -> int:
        """The number of the last whole entry (0 for an empty journal), or
        -1 if that line cannot be read."""
        size = self.size()
        if size == 0:
            return 0
        with open(self.path, "rb") as f:
            end = _whole_end(f, size)
        seq = self.seq_before(end)
        return -1 if seq is None else seq

    def torn_tail(self) -> int | None:
        """The offset where a torn last line starts, or None if the file
        ends with a whole line. Call only while holding the writer lock."""
        size = self.size()
        if size == 0:
            return None
        with open(self.path, "rb") as f:
            f.seek(size - 1)
            if f.read(1) == b"\n":
                return None
            # Walk back to the previous newline in blocks.
            pos = size
            while pos > 0:
                start = max(0, pos - 65536)
                f.seek(start)
                block = f.read(pos - start)
                cut = block.rfind(b"\n")
                if cut >= 0:
                    return start + cut + 1
                pos = start
            return 0

    def set_aside_tail(self, offset: int) -> int:
        """Move the bytes from `offset` on into the .corrupt file and cut them
        off the journal. Returns how many bytes were set aside."""
        with open(self.path, "r+b") as f:
            f.seek(offset)
            torn = f.read()
            with open(self.corrupt_path, "ab") as out:
                out.write(torn + b"\n")
                out.flush()
                sync(out.fileno())
            f.truncate(offset)
            f.flush()
            sync(f.fileno())
        return len(torn)

    def append(self, entries: list[Entry]) -> int:
        """Append whole lines, sync once, and return the new size.

        A big batch (automation after a bulk import) goes in slices of
        whole lines: one 100 MB buffer costs more in fresh memory than its
        encoding does, and a reader takes whole lines only anyway."""
        new = not self.path.exists()
        # The umask decides who else may append (files.share_with_group).
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            for start in range(0, len(entries), _SLICE):
                _write_all(fd, _encoder.encode_lines(entries[start:start + _SLICE]))
            sync(fd)
            size = os.fstat(fd).st_size
        finally:
            os.close(fd)
        if new:
            sync_dir(self.path.parent)
        return size

    def newest_lines_with(self, needle: bytes, before: int | None = None) -> Iterator[Entry]:
        """Entries whose line contains `needle` (a cheap pre-filter for
        timelines and the log: only those lines are decoded), newest first:
        read from the end (or from byte `before`, a line's start), so the
        newest few of a long journal cost little, jumping from match to
        match within each block read (a search in C) rather than looking at
        every line."""
        try:
            f = open(self.path, "rb")  # noqa: SIM115 - a generator: closed by `with` below
        except FileNotFoundError:
            return
        with f:
            size = os.fstat(f.fileno()).st_size
            pos = _whole_end(f, size if before is None else min(before, size))
            while pos > 0:
                start, lines = _whole_lines_before(f, pos)
                end = len(lines)
                while (hit := lines.rfind(needle, 0, end)) >= 0:
                    end = lines.rfind(b"\n", 0, hit) + 1
                    try:
                        yield _decode(lines[end:lines.find(b"\n", hit)])
                    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
                        continue
                pos = start


def _bad_utf8(line: bytes) -> str:
    # msgspec says only that some text is not UTF-8; say where in the line.
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"byte {err.start + 1} of the line"
    return "somewhere in the line"


def _seq_of(line: bytes) -> int | None:
    try:
        return _decode(line).seq
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None


def _whole_end(f: BinaryIO, size: int) -> int:
    """Where the whole lines end: a last line without its newline is one
    being written (or cut short), and is not read."""
    pos = size
    while pos > 0:
        start = max(0, pos - _BLOCK)
        f.seek(start)
        found = f.read(pos - start).rfind(b"\n")
        if found >= 0:
            return start + found + 1
        pos = start
    return 0


def _whole_lines_before(f: BinaryIO, pos: int) -> tuple[int, bytes]:
    """The whole lines in about a block before `pos` (a line's start), and
    where they start. A line cut by the block's start is left for the next
    block; a line longer than a block makes the block bigger."""
    size = _BLOCK
    while True:
        start = max(0, pos - size)
        f.seek(start)
        data = f.read(pos - start)
        if start == 0:
            return 0, data
        cut = data.find(b"\n") + 1
        if cut:
            return start + cut, data[cut:]
        size *= 2


def _write_all(fd: int, data: bytes) -> None:
    written = os.write(fd, data)
    while written < len(data):  # a short write: go on where it stopped
        written += os.write(fd, data[written:])
