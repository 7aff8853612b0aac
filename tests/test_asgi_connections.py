"""Database connections stay bounded under the ASGI server (issue: "Database connections leak under ASGI").

With `CONN_MAX_AGE` > 0 under uvicorn, every thread that served a request kept its own connection for a minute:
40 sequential page views left 14 connections open, and a storm took the shared PostgreSQL server to its limit.
This starts a real uvicorn on the test database (Django's test client closes connections itself, so only a real
server shows the leak), sends 40 page views one after another and then 40 at once, and counts the server's
connections in `pg_stat_activity` by their application name.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

APPLICATION_NAME = "dichtbij_asgi_connections_test"
PAGES = ["/healthz", "/accounts/login/", "/vrijwilligers/aanmelden/"]
SETTLE_SECONDS = 10


def _server_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [APPLICATION_NAME])
        return int(cursor.fetchone()[0])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _database_url() -> str:
    settings_dict = connection.settings_dict
    host, port = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or 5432
    credentials = settings_dict["USER"] + (f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else "")
    # The test database (test_<name>, per xdist worker); the application name marks this server's connections.
    return f"postgres://{credentials}@{host}:{port}/{settings_dict['NAME']}?application_name={APPLICATION_NAME}"


@contextmanager
def _serve(**environment: str | None) -> Iterator[str]:
    """A uvicorn on the test database, with `environment` on top of this process's (None: left out); its base URL."""
    if connection.vendor != "postgresql":
        pytest.skip("connection counting needs PostgreSQL")
    port = _free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DEBUG": "true",
        "DICHTBIJ_DEMO": "false",
        **environment,
    }
    process = subprocess.Popen(  # noqa: S603 - our own server, started with fixed arguments
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port)],
        cwd=Path(__file__).resolve().parent.parent,
        env={name: value for name, value in environment.items() if value is not None},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urlopen(f"{base}/healthz", timeout=5):  # noqa: S310 - a local http URL we built
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("uvicorn did not start")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def server() -> Iterator[str]:
    """Served as in the test suite: without the connection pool (settings: pytest never pools)."""
    with _serve() as base:
        yield base


def _get(url: str) -> int:
    with urlopen(url, timeout=30) as response:  # noqa: S310 - a local http URL we built
        return int(response.status)


def _settled_count() -> int:
    """The server's connections once nothing is being served: a connection is closed after its response is sent,
    so this waits (up to SETTLE_SECONDS) for the last ones to go; a kept connection stays for CONN_MAX_AGE."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while (count := _server_connections()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return count


def test_page_views_leave_no_connection_open(server: str) -> None:
    for number in range(40):
        assert _get(server + PAGES[number % len(PAGES)]) == 200
    assert _settled_count() == 0

    # A storm of 40 at once: as many connections as requests being served, and none left after.
    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(_get, [server + PAGES[number % len(PAGES)] for number in range(40)]))
    assert statuses == [200] * 40
    assert _settled_count() == 0


def test_served_with_the_pool_a_storm_takes_no_more_connections_than_the_pool_holds() -> None:
    """As served outside the tests (settings: DATABASE_POOL_SIZE per process): 40 requests at once share the pool's
    3 connections instead of opening one each, and all of them are answered."""
    peak = 0
    storming = threading.Event()

    def watch() -> None:
        nonlocal peak
        try:
            while storming.is_set():
                peak = max(peak, _server_connections())
                time.sleep(0.02)
        finally:
            connection.close()  # this thread's own connection, or it outlives the test database

    # The server is no part of pytest's run: without PYTEST_VERSION in its environment it pools as in production.
    with _serve(PYTEST_VERSION=None, DATABASE_POOL_SIZE="3") as base:
        storming.set()
        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            with ThreadPoolExecutor(max_workers=40) as pool:
                statuses = list(pool.map(_get, [base + PAGES[number % len(PAGES)] for number in range(40)]))
        finally:
            storming.clear()
            watcher.join()
        assert statuses == [200] * 40
        assert 0 < peak <= 3


def _answer(url: str) -> tuple[int, str, str]:
    """Status, Retry-After and body of a GET, error statuses included."""
    try:
        with urlopen(url, timeout=30) as response:  # noqa: S310 - a local http URL we built
            return int(response.status), response.headers.get("Retry-After", ""), response.read().decode()
    except HTTPError as error:
        return error.code, error.headers.get("Retry-After", ""), error.read().decode()


def test_when_no_connection_comes_free_the_visitor_is_told_it_is_busy_not_shown_an_error() -> None:
    """One pooled connection and a wait of 0.2 s for it: of 40 requests at once for a page that reads the database,
    those that get no connection in time are answered "busy, try again" (503 with Retry-After, rendered without
    the database). Without core.middleware.BusyWhenNoConnectionMiddleware they were 500s."""
    with _serve(PYTEST_VERSION=None, DATABASE_POOL_SIZE="1", DATABASE_POOL_TIMEOUT="0.2") as base:
        with ThreadPoolExecutor(max_workers=40) as pool:
            answers = list(pool.map(_answer, [f"{base}/vrijwilligers/aanmelden/"] * 40))
    statuses = {status for status, _retry, _body in answers}
    assert statuses == {200, 503}
    for status, retry_after, body in answers:
        if status == 503:
            assert retry_after == "30"
            assert "Het is nu erg druk" in body
            assert "It is very busy right now" in body
