"""Benchmark of the access log's shape (issue #23): one row per young person shown (today's table) against one row
per list view holding the young people in an array with a GIN index. Prints one JSON object.

Run: .venv/bin/python bench/accesslog.py
     (PostgreSQL only: BENCH_DATABASE_URL, by default postgres://postgres@127.0.0.1:5432/dichtbij_accesslog_bench,
     a database this script creates and drops; never the development database. BENCH_KEEP=1 keeps it.)

The same reads in both shapes: VIEWS list views of NAMES_PER_VIEW names each (80,000 x 25 = 2 M name reads, an
hour of a busy region's browsing times four), made with INSERT ... SELECT generate_series into the real table (its
append-only trigger refuses updates only), and the array table made from it by grouping per view. Of the 20,000
young people one (HOT) is named in every fourth view (20,000 reads: a young person on a list that a team opens all
day), one (COLD) in 10 views, the rest about 100 times each. Then VACUUM ANALYZE, as autovacuum would, and the median
of RUNS runs, interleaved (each run does every measurement once, in turn), of:
- write_*: one list view of 25 names, one INSERT statement in its own transaction (25 rows, or one array row);
  write_rows_orm is the real path (`AccessLogEntry.objects.bulk_create`, as `accesslog_record_many`);
- read_*_{hot,cold}: the young person's "who looked at my data" page: the count and the newest page
  (youth.views.accesslog_page, ACCESSLOG_PAGE_SIZE rows, newest first), as SQL on each table, and
  read_rows_view_* as the page runs it (`accesslogentry_visible_to` of the young person's own account, Django's
  Paginator, as core.paging.listing_of pages it);
- size_*: table, indexes and the two together, in MB.
"""

# ruff: noqa: S608  (SQL is built from this module's own table and column names; every value is a parameter)

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
TARGET = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dichtbij_accesslog_bench")
if not TARGET.startswith("postgres"):
    raise SystemExit("bench/accesslog.py compares PostgreSQL's array + GIN index: give a postgres:// URL")
os.environ["DATABASE_URL"] = TARGET
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import psycopg  # noqa: E402

BASE, NAME = TARGET.rsplit("/", 1)


def _prepare_database() -> None:
    with psycopg.connect(f"{BASE}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{NAME}"')
        admin.execute(f'CREATE DATABASE "{NAME}"')


def _drop_database() -> None:
    from django.db import connections  # Django is set up only once the database exists, below

    connections.close_all()
    with psycopg.connect(f"{BASE}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{NAME}"')


_prepare_database()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402

from accesslog.models import AccessLogEntry  # noqa: E402
from accounts.models import Municipality, Region, Role, User  # noqa: E402
from youth.models import YoungPerson  # noqa: E402
from youth.selectors import accesslogentry_visible_to  # noqa: E402
from youth.views import ACCESSLOG_PAGE_SIZE  # noqa: E402

YOUNG_PEOPLE, ACTORS, VIEWS, NAMES_PER_VIEW = 20_000, 500, 80_000, 25
HOT_EVERY, COLD_EVERY = 4, 8_000
RUNS = 50
TABLE = AccessLogEntry._meta.db_table
ARRAY_TABLE = "bench_accesslog_view"
COLUMNS = "at, actor_id, actor_name, actor_role, actor_organisation, action, what, ip_address, detail"


def build() -> dict[str, int]:
    """Actors, young people (HOT and COLD first), the log in today's shape, and the array table made from it."""
    region = Region.objects.create(name="Bench")
    town = Municipality.objects.create(name="Bench", region=region)
    hot_user, cold_user = (
        User.objects.create(email="hot@bench.example"),
        User.objects.create(email="cold@bench.example"),
    )
    people = YoungPerson.objects.bulk_create(
        YoungPerson(
            first_name=f"J{i}",
            date_of_birth=date(2010, 1, 1),
            residence_municipality=town,
            paying_municipality=town,
            home_place="X",
            user=hot_user if i == 0 else cold_user if i == 1 else None,
        )
        for i in range(YOUNG_PEOPLE)
    )
    actors = User.objects.bulk_create(User(email=f"staff{i}@bench.example") for i in range(ACTORS))
    hot, cold = people[0].pk, people[1].pk
    first_other, others = people[2].pk, YOUNG_PEOPLE - 2
    assert people[-1].pk == first_other + others - 1  # consecutive ids: the generator below names them by offset
    with connection.cursor() as cursor:
        # View v shows 25 names: slot 0 is HOT in every HOT_EVERY-th view, slot 1 COLD in every COLD_EVERY-th, the
        # rest spread over the others (7919 is prime to `others`, so one view's 25 names differ).
        cursor.execute(
            f"""
            INSERT INTO {TABLE} ({COLUMNS}, young_person_id)
            SELECT timestamptz '2026-01-01' + v * interval '30 seconds', %(actor)s + v %% %(actors)s,
                   'Medewerker ' || (v %% %(actors)s), %(role)s, 'Jeugdteam Bench', 'view', 'list', '10.0.0.1', '',
                   CASE WHEN k = 0 AND v %% %(hot_every)s = 0 THEN %(hot)s
                        WHEN k = 1 AND v %% %(cold_every)s = 0 THEN %(cold)s
                        ELSE %(first_other)s + ((v * %(names)s + k) * 7919) %% %(others)s END
            FROM generate_series(0::bigint, %(views)s - 1) v CROSS JOIN generate_series(0::bigint, %(names)s - 1) k
            ORDER BY v, k
            """,
            {
                "actor": actors[0].pk,
                "actors": ACTORS,
                "role": Role.PROFESSIONAL.value,
                "hot_every": HOT_EVERY,
                "cold_every": COLD_EVERY,
                "hot": hot,
                "cold": cold,
                "first_other": first_other,
                "others": others,
                "names": NAMES_PER_VIEW,
                "views": VIEWS,
            },
        )
        cursor.execute(
            f"""
            CREATE TABLE {ARRAY_TABLE} (
                id bigserial PRIMARY KEY,
                at timestamptz NOT NULL,
                actor_id bigint NOT NULL REFERENCES accounts_user (id) DEFERRABLE INITIALLY DEFERRED,
                actor_name varchar(300) NOT NULL,
                actor_role varchar(20) NOT NULL,
                actor_organisation varchar(150) NOT NULL,
                action varchar(10) NOT NULL,
                what varchar(30) NOT NULL,
                ip_address inet NULL,
                detail varchar(300) NOT NULL,
                young_person_ids bigint[] NOT NULL
            )
            """
        )
        # The same indexes as the real table has for its other columns (at, actor), and GIN for the names.
        cursor.execute(f"CREATE INDEX {ARRAY_TABLE}_at ON {ARRAY_TABLE} (at)")
        cursor.execute(f"CREATE INDEX {ARRAY_TABLE}_actor ON {ARRAY_TABLE} (actor_id)")
        cursor.execute(f"CREATE INDEX {ARRAY_TABLE}_names ON {ARRAY_TABLE} USING gin (young_person_ids)")
        cursor.execute(
            f"""
            INSERT INTO {ARRAY_TABLE} ({COLUMNS}, young_person_ids)
            SELECT {COLUMNS}, array_agg(young_person_id ORDER BY id) FROM {TABLE}
            GROUP BY {COLUMNS} ORDER BY at
            """
        )
    return {"hot": hot, "cold": cold, "hot_user": hot_user.pk, "cold_user": cold_user.pk, "actor": actors[0].pk}


def _vacuum() -> None:
    with connection.cursor() as cursor:
        for table in (TABLE, ARRAY_TABLE):
            cursor.execute(f"VACUUM ANALYZE {table}")


def _counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        rows = cursor.fetchone()
        cursor.execute(f"SELECT count(*), sum(cardinality(young_person_ids)) FROM {ARRAY_TABLE}")
        views = cursor.fetchone()
    assert rows is not None and views is not None
    return {"rows": int(rows[0]), "array_rows": int(views[0]), "array_names": int(views[1])}


def _sizes() -> dict[str, float]:
    sizes: dict[str, float] = {}
    with connection.cursor() as cursor:
        for shape, table in (("rows", TABLE), ("array", ARRAY_TABLE)):
            cursor.execute(
                "SELECT pg_relation_size(%s), pg_indexes_size(%s), pg_total_relation_size(%s)", [table, table, table]
            )
            found = cursor.fetchone()
            assert found is not None
            for part, size in zip(("table", "indexes", "total"), found, strict=True):
                sizes[f"size_{shape}_{part}_mb"] = round(size / 2**20, 1)
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid)"
                " FROM pg_index WHERE indrelid = %s::regclass",
                [table],
            )
            for index, size in cursor.fetchall():
                sizes[f"size_{shape}_index_{index}_mb"] = round(size / 2**20, 1)
    return sizes


def _names(run: int) -> list[int]:
    return [3 + (run * NAMES_PER_VIEW + k) * 7919 % (YOUNG_PEOPLE - 2) for k in range(NAMES_PER_VIEW)]


def _values(ids: dict[str, int]) -> tuple[str, list[Any]]:
    return "now(), %s, 'Medewerker', 'professional', 'Jeugdteam Bench', 'view', 'list', '10.0.0.1', ''", [ids["actor"]]


def write_rows(ids: dict[str, int], run: int) -> None:
    values, params = _values(ids)
    names = _names(run)
    sql = f"INSERT INTO {TABLE} ({COLUMNS}, young_person_id) VALUES " + ", ".join([f"({values}, %s)"] * len(names))
    with connection.cursor() as cursor:
        cursor.execute(sql, [p for name in names for p in (*params, name + ids["hot"] - 1)])


def write_array(ids: dict[str, int], run: int) -> None:
    values, params = _values(ids)
    names = [name + ids["hot"] - 1 for name in _names(run)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ARRAY_TABLE} ({COLUMNS}, young_person_ids) VALUES ({values}, %s)", [*params, names]
        )


def write_rows_orm(ids: dict[str, int], run: int) -> None:
    actor = User(pk=ids["actor"])
    AccessLogEntry.objects.bulk_create(
        AccessLogEntry(
            actor=actor,
            actor_name="Medewerker",
            actor_role=Role.PROFESSIONAL,
            actor_organisation="Jeugdteam Bench",
            young_person_id=name + ids["hot"] - 1,
            action=AccessLogEntry.Action.VIEW,
            what=AccessLogEntry.What.LIST,
            ip_address="10.0.0.1",
        )
        for name in _names(run)
    )


PAGE = f"{COLUMNS} ORDER BY at DESC, id DESC LIMIT {ACCESSLOG_PAGE_SIZE}"


def read_rows(young_person: int) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE} WHERE young_person_id = %s", [young_person])
        count = cursor.fetchone()
        cursor.execute(
            f"SELECT {COLUMNS} FROM {TABLE} WHERE young_person_id = %s ORDER BY at DESC, id DESC LIMIT %s",
            [young_person, ACCESSLOG_PAGE_SIZE],
        )
        return int(count[0]) if count else 0, len(cursor.fetchall())


def read_array(young_person: int) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {ARRAY_TABLE} WHERE young_person_ids @> ARRAY[%s]::bigint[]", [young_person]
        )
        count = cursor.fetchone()
        cursor.execute(
            f"SELECT {COLUMNS} FROM {ARRAY_TABLE} WHERE young_person_ids @> ARRAY[%s]::bigint[]"
            f" ORDER BY at DESC, id DESC LIMIT %s",
            [young_person, ACCESSLOG_PAGE_SIZE],
        )
        return int(count[0]) if count else 0, len(cursor.fetchall())


def read_rows_view(user: User, young_person: int) -> tuple[int, int]:
    """As youth.views.accesslog_page reads it: the young person's own account, their rows, newest first, a page."""
    entries = accesslogentry_visible_to(user).filter(young_person_id=young_person)
    page = Paginator(entries, ACCESSLOG_PAGE_SIZE).page(1)
    return page.paginator.count, len(list(page.object_list))


def _plan(sql: str, params: list[Any]) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return " / ".join(row[0].strip() for row in cursor.fetchall())


def main() -> None:
    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    ids = build()
    _vacuum()
    build_s = round(time.perf_counter() - began, 1)
    counts = _counts()
    sizes = _sizes()  # before the measured writes add their few rows
    hot_user, cold_user = User.objects.get(pk=ids["hot_user"]), User.objects.get(pk=ids["cold_user"])
    # Both shapes must answer the same: the same number of reads and the same page length.
    for young_person in (ids["hot"], ids["cold"]):
        assert read_rows(young_person) == read_array(young_person), young_person
    assert read_rows_view(hot_user, ids["hot"]) == read_rows(ids["hot"])
    reads = {"hot": read_rows(ids["hot"])[0], "cold": read_rows(ids["cold"])[0]}
    measurements: dict[str, Callable[[int], object]] = {
        "write_rows_ms": lambda run: write_rows(ids, run),
        "write_array_ms": lambda run: write_array(ids, run),
        "write_rows_orm_ms": lambda run: write_rows_orm(ids, run),
        "read_rows_hot_ms": lambda run: read_rows(ids["hot"]),
        "read_array_hot_ms": lambda run: read_array(ids["hot"]),
        "read_rows_view_hot_ms": lambda run: read_rows_view(hot_user, ids["hot"]),
        "read_rows_cold_ms": lambda run: read_rows(ids["cold"]),
        "read_array_cold_ms": lambda run: read_array(ids["cold"]),
        "read_rows_view_cold_ms": lambda run: read_rows_view(cold_user, ids["cold"]),
    }
    times: dict[str, list[float]] = {name: [] for name in measurements}
    for run in range(RUNS):
        for name, measure in measurements.items():
            began = time.perf_counter()
            measure(run)
            times[name].append((time.perf_counter() - began) * 1000)
    version: int = connection.pg_version  # type: ignore[attr-defined]  # the postgresql backend's own attribute
    page_sql = f"SELECT {COLUMNS} FROM {{}} WHERE {{}} ORDER BY at DESC, id DESC LIMIT {ACCESSLOG_PAGE_SIZE}"
    result: dict[str, Any] = {
        "database": f"PostgreSQL {version // 10000}.{version % 10000}",
        "build_s": build_s,
        **counts,
        "reads_of_hot": reads["hot"],
        "reads_of_cold": reads["cold"],
        "page_size": ACCESSLOG_PAGE_SIZE,
        "runs": RUNS,
        **{name: round(statistics.median(values), 3) for name, values in times.items()},
        **sizes,
        "plan_rows_page": _plan(page_sql.format(TABLE, "young_person_id = %s"), [ids["hot"]]),
        "plan_array_page_hot": _plan(
            page_sql.format(ARRAY_TABLE, "young_person_ids @> ARRAY[%s]::bigint[]"), [ids["hot"]]
        ),
        "plan_array_page_cold": _plan(
            page_sql.format(ARRAY_TABLE, "young_person_ids @> ARRAY[%s]::bigint[]"), [ids["cold"]]
        ),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    try:
        main()
    finally:
        if not os.environ.get("BENCH_KEEP"):
            _drop_database()
