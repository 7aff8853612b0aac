"""What the benchmarks that generate data share: bulk_create with the history's own dates, and throwaway
PostgreSQL databases (made and dropped by the benchmark itself, never the development database)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import psycopg


def no_auto_now(*models: Any) -> None:
    """bulk_create would stamp every row with now; the history needs its own dates."""
    for model in models:
        for model_field in model._meta.fields:
            if getattr(model_field, "auto_now_add", False) or getattr(model_field, "auto_now", False):
                model_field.auto_now_add = model_field.auto_now = False


def at_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def database_create(url: str, *, template: str = "") -> None:
    """A fresh database at `url` (a postgres:// URL), dropped first when it exists; a copy of `template` if given."""
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def database_drop(url: str) -> None:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def dates_as_given(*models: Any) -> Iterator[None]:
    """`no_auto_now` for the length of a block, then as before: for a build inside a process that goes on (a test)."""
    fields = [
        (f, f.auto_now_add, f.auto_now)
        for model in models
        for f in model._meta.fields
        if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)
    ]
    for f, _add, _now in fields:
        f.auto_now_add = f.auto_now = False
    try:
        yield
    finally:
        for f, add, now in fields:
            f.auto_now_add, f.auto_now = add, now
