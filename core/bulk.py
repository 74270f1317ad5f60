"""Building many objects at once (loading a desk, indexing a board).

Python's cycle collector runs after every few hundred new container objects
and, every so often, walks all of them: building 100,000 tickets would set
it off again and again over objects that hold no cycles. It waits while they
are built; what stays for the life of the desk is then frozen out of its
sight.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused(freeze: bool = False) -> Iterator[None]:
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            if freeze:
                gc.freeze()
            gc.enable()
