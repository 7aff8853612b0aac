"""Benchmark of the pages at the size of a real region (#23): prints one JSON object on stdout, progress on stderr.

Run: .venv/bin/python bench/pages.py [--quick] [--skip-load] [--keep] [--rounds N] [--seconds S]
PostgreSQL only: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/dichtbij_bench) names the base; this
script makes `<name>_demo` (`demo_load`, as `manage.py demo_load` makes it) and `<name>_region` (a copy of it with the
region of bench/region.py added by bulk inserts) and drops both at the end unless --keep. --skip-load measures the
databases a previous run kept. --quick: a small region, 3 rounds and 10 seconds of load (a smoke run).

Measured, in one run on the same machine:
- build_seconds: the region's build (bulk inserts, VACUUM ANALYZE and the insights roll-up); demo_load_seconds
  beside it;
- per page (bench/region.py `pages`: the pages of #23's table, each role's home page, the case page, the chat page,
  the insights dashboard): the median server time of ROUNDS requests through Django's test client (all middleware,
  no network), round-robin over the pages and demo and region alternately; the queries (CaptureQueriesContext) and
  the size of the page in the region. worst_growth_ratio is the largest region / demo ratio of the medians (goal
  1.5), queries_growing_pages the pages whose count grows with the data (goal none);
- 50 logged-in clients (their sessions written to the database as a login would) looping over their pages for
  SECONDS against two uvicorn workers on the region database, served as README says (DEBUG off, the connection
  pool of DATABASE_POOL_SIZE per worker): errors_50_clients (non-2xx/3xx answers and failed requests),
  peak_db_connections (pg_stat_activity of the region database, polled) against pool_limit (workers x pool size),
  requests_per_second.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dichtbij_bench")
DEMO_URL, REGION_URL = f"{BASE_URL}_demo", f"{BASE_URL}_region"
WORKERS = 2
POOL_SIZE = int(os.environ.get("BENCH_POOL_SIZE", "10"))
CLIENTS = 50
ENV = {
    **os.environ,
    "DATABASE_URL": DEMO_URL,
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
    # As in production: DEBUG off, with the settings that requires.
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-secret-key-bench-only-secret-key-bench-only",
    "MFA_ENCRYPTION_KEYS": "YmVuY2gtb25seS1tZmEta2V5LWJlbmNoLW9ubHktMzI=",  # a bench-only Fernet key
    "SECURE_SSL_REDIRECT": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "LOG_LEVEL": "ERROR",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    # demo_load trains the matching fit model: into a folder of this run, not the development one (var/matching).
    "MATCHING_MODEL_DIR": str(Path(tempfile.gettempdir()) / f"dichtbij-bench-matching-{os.getpid()}"),
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "PYTHONPATH": str(ROOT),
}
# This process moves its one connection between the two databases (see `use`), which a pool would not follow.
os.environ.update({**ENV, "DATABASE_POOL_SIZE": "0"})

import aiohttp  # noqa: E402
import django  # noqa: E402
import psycopg  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.bulk import database_create, database_drop  # noqa: E402
from bench.region import FULL, QUICK, Page, build_region, clients_for, measure, pages, summary  # noqa: E402
from demo.world import demo_load, email_for  # noqa: E402
from volunteers.models import Volunteer  # noqa: E402


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def use(url: str) -> Callable[[], None]:
    """A switch of this process's connection (and cache keys) to one of the two databases; the first query after it
    connects anew."""

    name = url.rsplit("/", 1)[1]

    def switch() -> None:
        if connection.settings_dict["NAME"] != name:
            connection.close()
            connection.settings_dict["NAME"] = name
            # The databases share Redis; their cached rows must not meet. The region keeps the served processes'
            # own (empty) prefix, so that what its build worked out after the roll-up (insights.services.
            # dashboards_warm, as the nightly job does) is what the two workers under load read.
            cache.key_prefix = "" if url == REGION_URL else name

    return switch


def place_for_bo() -> None:
    """Fatima's family takes two children instead of one, in the demo and so in the region (a copy of it): in the
    demo as loaded, Bo's request finds no family with a place left, so "suggest" would insert proposals in the
    region only, and the two would not be the same work (one query more)."""
    Volunteer.objects.filter(user__email=email_for("fatima")).update(capacity=2)


def build(*, quick: bool) -> dict[str, Any]:

    database_create(DEMO_URL)
    call_command("migrate", verbosity=0)
    say("demo_load")
    began = time.perf_counter()
    demo_load()
    demo_seconds = time.perf_counter() - began
    place_for_bo()
    connections.close_all()
    database_create(REGION_URL, template=DEMO_URL.rsplit("/", 1)[1])
    use(REGION_URL)()
    say("building the region")
    began = time.perf_counter()
    counts = build_region(QUICK if quick else FULL)
    build_seconds = time.perf_counter() - began
    say(f"region built in {build_seconds:.0f} s: {counts}")
    connections.close_all()
    return {"build_seconds": round(build_seconds, 1), "demo_load_seconds": round(demo_seconds, 1), "region": counts}


def measure_pages(rounds: int) -> tuple[dict[str, Any], list[Page]]:

    modes = {"demo": use(DEMO_URL), "region": use(REGION_URL)}
    cache.clear()
    modes["demo"]()
    page_list = pages()
    people = sorted({p.who for p in page_list})
    clients = {}
    for mode, switch in modes.items():
        switch()
        clients[mode] = clients_for(people)
    say(f"measuring {len(page_list)} pages, {rounds} rounds, demo and region alternately")
    samples = measure(modes, clients, page_list, rounds, on_round=lambda done: say(f"round {done} of {rounds}"))
    return summary(samples), page_list


# --- 50 clients against two workers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    env = {**ENV, "DATABASE_URL": REGION_URL, "DATABASE_POOL_SIZE": str(POOL_SIZE)}
    process = subprocess.Popen(  # noqa: S603 - the project's own server
        [
            str(ROOT / ".venv/bin/uvicorn"),
            "config.asgi:application",
            "--workers",
            str(WORKERS),
            "--port",
            str(port),
            "--log-level",
            "error",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # its own process group: stopped as a whole, workers included
    )

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return process
        time.sleep(0.5)
    stop_server(process)
    raise RuntimeError("the server did not start within 60 seconds")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def sessions(page_list: list[Page]) -> list[tuple[str, list[str]]]:
    """CLIENTS sessions of the demo people, written as a login would write them: (session key, their GET pages)."""

    use(REGION_URL)()
    by_person: dict[str, list[str]] = {}
    for page in page_list:
        if page.method == "get":
            by_person.setdefault(page.who, []).append(page.path)
    people = sorted(by_person)
    result = []
    for number in range(CLIENTS):
        who = people[number % len(people)]
        user = User.objects.get(email=email_for(who))
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        result.append((session.session_key or "", by_person[who]))
    connections.close_all()
    return result


class ConnectionWatch:
    """The most connections to the region database at any moment, polled from pg_stat_activity."""

    def __init__(self) -> None:
        self.peak = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)

    def watch(self) -> None:

        base, name = REGION_URL.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            while not self.stopped.is_set():
                row = connection.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]).fetchone()
                self.peak = max(self.peak, int(row[0]) if row else 0)
                time.sleep(0.2)


async def load(port: int, clients: list[tuple[str, list[str]]], seconds: float) -> dict[str, Any]:

    statuses: Counter[str] = Counter()
    # Seconds each answered or failed request took, per path: where the slow tail is (a failure counts its wait).
    took: dict[str, list[float]] = {}
    cookie = settings.SESSION_COOKIE_NAME
    deadline = time.monotonic() + seconds

    async def client(http: aiohttp.ClientSession, session_key: str, paths: list[str], offset: int) -> None:
        number = offset
        while time.monotonic() < deadline:
            path = paths[number % len(paths)]
            number += 1
            sent = time.monotonic()
            try:
                async with http.get(
                    f"http://127.0.0.1:{port}{path}",
                    headers={"Cookie": f"{cookie}={session_key}"},
                    allow_redirects=False,
                ) as response:
                    await response.read()
                    statuses[str(response.status)] += 1
            except (TimeoutError, aiohttp.ClientError) as error:
                statuses[type(error).__name__] += 1
            took.setdefault(path.split("?")[0], []).append(time.monotonic() - sent)

    began = time.monotonic()
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout) as http:
        await asyncio.gather(*(client(http, key, paths, i) for i, (key, paths) in enumerate(clients)))
    elapsed = time.monotonic() - began
    answered = sum(n for s, n in statuses.items() if s.isdigit())
    errors = sum(n for s, n in statuses.items() if not (s.isdigit() and 200 <= int(s) < 400))
    return {
        "errors_50_clients": errors,
        "requests_50_clients": sum(statuses.values()),
        "statuses_50_clients": dict(sorted(statuses.items())),
        "requests_per_second": round(answered / elapsed, 1),
        "latency_ms_50_clients": {
            path: {
                "median": round(statistics.median(times) * 1000),
                "p95": round(sorted(times)[int(len(times) * 0.95)] * 1000),
                "max": round(max(times) * 1000),
            }
            for path, times in sorted(took.items())
        },
        "load_seconds": round(elapsed, 1),
    }


def under_load(page_list: list[Page], seconds: float) -> dict[str, Any]:
    clients = sessions(page_list)
    port = free_port()
    say(f"{CLIENTS} clients for {seconds:.0f} s against {WORKERS} uvicorn workers (pool {POOL_SIZE} each)")
    server = start_server(port)
    watch = ConnectionWatch()
    try:
        watch.thread.start()
        result = asyncio.run(load(port, clients, seconds))
    finally:
        watch.stopped.set()
        stop_server(server)
        watch.thread.join(timeout=5)
    return {**result, "peak_db_connections": watch.peak, "pool_limit": WORKERS * POOL_SIZE}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a small region, 3 rounds, 10 s of load")
    parser.add_argument("--skip-load", action="store_true", help="measure the databases a run with --keep left")
    parser.add_argument("--keep", action="store_true", help="leave the two databases for a later --skip-load")
    parser.add_argument("--rounds", type=int, default=0, help="requests per page and mode (default 20; quick 3)")
    parser.add_argument("--seconds", type=float, default=0, help="length of the load (default 60; quick 10)")
    args = parser.parse_args()
    rounds = args.rounds or (3 if args.quick else 20)
    seconds = args.seconds or (10 if args.quick else 60)
    result: dict[str, Any] = {"database": "postgresql", "quick": args.quick, "rounds": rounds}
    # Stdout carries the JSON only: what the app prints meanwhile (the console email backend) goes with the progress.
    with contextlib.redirect_stdout(sys.stderr):
        run(args, result, rounds=rounds, seconds=seconds)
    print(json.dumps(result, indent=2))


def run(args: argparse.Namespace, result: dict[str, Any], *, rounds: int, seconds: float) -> None:
    # With DEBUG off the pages name their static files by the manifest, as in production (README, "Serving").
    call_command("collectstatic", interactive=False, verbosity=0)
    try:
        if not args.skip_load:
            result.update(build(quick=args.quick))
        measured, page_list = measure_pages(rounds)
        result.update(measured)
        connections.close_all()
        result.update(under_load(page_list, seconds))
    finally:
        connections.close_all()
        shutil.rmtree(ENV["MATCHING_MODEL_DIR"], ignore_errors=True)
        if not args.keep:
            database_drop(DEMO_URL)
            database_drop(REGION_URL)


if __name__ == "__main__":
    main()
