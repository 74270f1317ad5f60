"""Where a desk keeps its data: local files by default (`LocalStore`)."""

from core.store.local import LocalStore

__all__ = ["LocalStore"]
