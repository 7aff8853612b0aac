"""One Redis connection pool per process for the cache.

Django keeps a cache object per async context, and so, with its Redis backend, a connection pool per context: every
database call a chat socket makes through Channels runs in a fresh context and opened a new Redis connection (a
TCP handshake per presence mark or rate-limit count). This pool class hands out one pool per process and address,
so connections are reused across contexts and threads (redis-py's pools are thread-safe and notice a fork)."""

from __future__ import annotations

import threading
from typing import Any

import redis


class SharedConnectionPool(redis.ConnectionPool):
    _shared: dict[tuple[str, str], redis.ConnectionPool] = {}
    # Not `_lock`: every pool instance has its own (redis-py's RLock); this one guards the class's shared pools.
    _shared_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Any:
        key = (url, repr(sorted(kwargs.items())))
        with cls._shared_lock:
            pool = cls._shared.get(key)
            if pool is None:
                pool = cls._shared[key] = super().from_url(url, **kwargs)
            return pool
