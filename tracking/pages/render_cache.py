"""Rendered tracking pages, kept per process and keyed by everything that changes them.

A tracking page is read far more often than its shipment changes (htmx polls it, shoppers
reload it), so a page view costs one light query and a dictionary lookup when nothing moved.
"""
import threading
import time
from collections import OrderedDict


class RenderCache:
    """A small thread-safe LRU with a time-to-live; the TTL bounds staleness from outside changes."""

    def __init__(self, max_entries: int = 2048, ttl_seconds: float = 300):
        self.max_entries, self.ttl = max_entries, ttl_seconds
        self._entries: OrderedDict[tuple, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] < time.monotonic():
                self._entries.pop(key, None)
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: tuple, body: bytes) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + self.ttl, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
