"""Where a desk keeps its data: what `Desk` needs of a store (`Store`,
core/store/base.py), local files (`LocalStore`, the default) and memory
(`MemoryStore`, for previews and tests)."""

from core.store.base import Store
from core.store.local import LocalStore
from core.store.memory import MemoryStore

__all__ = ["LocalStore", "MemoryStore", "Store"]
