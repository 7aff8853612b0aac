"""The checks behind /healthz: can we reach the database, the channel layer and the cache?"""

from __future__ import annotations

import asyncio
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connection

# Where the checks answer (config/urls.py); core.middleware leaves this path alone.
HEALTH_PATH = "healthz"
CHANNEL_LAYER_TIMEOUT = 2.0


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key, value = f"healthz:{uuid.uuid4().hex}", "ok"
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)


async def _round_trip() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "health.ping"})
    message = await asyncio.wait_for(layer.receive(channel), timeout=CHANNEL_LAYER_TIMEOUT)
    if message.get("type") != "health.ping":
        raise RuntimeError("channel layer returned another message")


def check_channel_layer() -> None:
    async_to_sync(_round_trip)()


CHECKS = {"database": check_database, "channel_layer": check_channel_layer, "cache": check_cache}


def run_checks() -> dict[str, str]:
    """Each part's state: "ok" or the kind of error (never its message, which may hold a host or password)."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as error:  # noqa: BLE001 - any failure means "down", and the type says enough
            results[name] = type(error).__name__
    return results
