"""Benchmark of the chat on the real stack: prints one JSON object (run: .venv/bin/python bench/chat.py).

Starts its own Redis (a private port, so it can be killed without touching anyone else's), uses PostgreSQL
(BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/dichtbij_bench, created and migrated here) and
serves config.asgi with uvicorn (one process) beside a bare echo consumer (bench/chat_echo.py, same Redis layer, no
database). All clients run in this process (one clock for send and receive). Measured in one run:
- 300 sockets in 100 triads sending 300 messages a second in total for LOAD_SECONDS: the share of messages that
  reached both other members and the send-to-receive latency (p50, p99), beside the echo consumer under the same
  load;
- 1,000 sockets connecting at once: handshakes not done within three seconds, how long until the last was open, and
  the server's resident memory;
- Redis killed for OUTAGE_SECONDS (30) in the middle of a run at the same rate: sockets that stay up keep storing
  (PostgreSQL is the system of record), clients whose socket dropped reconnect with backoff, resend what was not
  acknowledged (same client_msg_id) and catch up after their last id; then count the messages stored while Redis
  was away, the messages some member never saw and the messages stored twice;
- the database's backends killed for five seconds in the middle of a run: how many sockets dropped
  (a failed batch is answered with a retry, not a dropped socket), and again lost and duplicate messages;
- the most connections the server held to PostgreSQL at any moment of the whole run (polled), and the server's
  CPU per message beside the bare echo consumer's under the same load (their ratio is the stable figure).
Bench-only shortcut: the triads' members are written directly (no mentorship walk), sessions are made with
SessionStore as a login would.
Targets: delivered_ratio 1.0 and p99 within 150 ms at 300 messages a second; no failed handshake at 1,000 sockets;
stored_during_redis_outage > 0 and 0 lost and 0 duplicates after the Redis outage; no socket dropped by the
database's outage; max_db_connections bounded (connections are closed after each call: at most the server's
threads); cpu_over_echo at most 5.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REDIS_PORT = int(os.environ.get("BENCH_REDIS_PORT", "6391"))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dichtbij_bench")
TRIADS = 100
RATE = 300  # messages a second, all sockets together
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "10"))
OUTAGE_SECONDS = float(os.environ.get("BENCH_OUTAGE_SECONDS", "30"))
DB_OUTAGE_SECONDS = 5.0
APP_PORT, ECHO_PORT = 8391, 8392
# One uvicorn process per core (DESIGN.md); the server's memory is the sum over its processes.
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
WORKER_ARGS = ["--workers", str(WORKERS)]
ENV = {
    **os.environ,
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
    # As in production: DEBUG off (Django then keeps no list of every query), with the settings that requires.
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-secret-key-bench-only-secret-key-bench-only",
    "MFA_ENCRYPTION_KEYS": "YmVuY2gtb25seS1tZmEta2V5LWJlbmNoLW9ubHktMzI=",  # a bench-only Fernet key
    "SECURE_SSL_REDIRECT": "false",
    "LOG_LEVEL": "ERROR",
    "MESSAGING_RATE_COUNT": "100000",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "PYTHONPATH": str(ROOT),
}
os.environ.update(ENV)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def start_redis() -> subprocess.Popen[bytes]:
    process = subprocess.Popen(  # noqa: S603 - a fixed local tool
        ["redis-server", "--port", str(REDIS_PORT), "--save", "", "--appendonly", "no"],  # noqa: S607
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return process


def start_server(app: str, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(  # noqa: S603 - the project's own server
        [
            str(ROOT / ".venv/bin/uvicorn"),
            app,
            "--port",
            str(port),
            "--log-level",
            "error",
            "--no-access-log",
            # Chat frames are a few hundred bytes: compressing them costs each socket a zlib context and CPU for
            # little gain (README, "Serving").
            "--ws-per-message-deflate",
            "false",
            *WORKER_ARGS,
        ],
        cwd=ROOT,
        env=ENV,
    )
    time.sleep(4)
    return process


def server_pids(pid: int) -> list[int]:
    """The server process and its workers (children)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [pid, *(int(child) for child in children.read_text().split())] if children.exists() else [pid]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the server and its workers have used so far: unlike wall time, it hardly depends on
    what else the machine is doing, so it shows the cost per message on a busy machine too."""
    ticks = 0
    for one in server_pids(pid):
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory of the server process and its workers (children), in MB."""
    total = 0
    for one in server_pids(pid):
        for line in Path(f"/proc/{one}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return round(total / 1024, 1)


def prepare() -> list[tuple[int, list[tuple[int, str]]]]:
    """The database, 100 triads and a session per member: [(conversation id, [(user id, session key)])]."""
    import django
    import psycopg

    base, name = DATABASE_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from messaging.models import Conversation, Member
    from tests.factories import CaseFactory, OrganisationFactory, UserFactory, YoungPersonFactory

    call_command("migrate", verbosity=0)
    organisation = OrganisationFactory()
    triads = []
    for _ in range(TRIADS):
        young, mentor, professional = UserFactory(), UserFactory(), UserFactory()
        case = CaseFactory(young_person=YoungPersonFactory(user=young), organisation=organisation)
        conversation = Conversation.objects.create(kind=Conversation.Kind.TRIAD, case=case)
        people = []
        for user, party in ((young, "young_person"), (mentor, "mentor"), (professional, "professional")):
            Member.objects.create(conversation=conversation, user=user, party=party)
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            people.append((user.pk, session.session_key or ""))
        triads.append((conversation.pk, people))
    from django.db import connections

    connections.close_all()
    return triads


class Client:
    """One member's socket: sends, keeps the last id, reconnects with backoff and catches up, resends unacked."""

    def __init__(self, run: Run, conversation: int, user: int, session: str, *, echo: bool = False) -> None:
        self.run, self.conversation, self.user, self.session, self.echo = run, conversation, user, session, echo
        self.last_id = 0  # everything up to here was heard (as static/js/chat.js keeps it)
        self.catching_up = False
        self.seen: set[int] = set()
        self.unacked: dict[str, str] = {}
        self.ws: Any = None
        self.ready = asyncio.Event()

    @property
    def url(self) -> str:
        if self.echo:
            return f"ws://127.0.0.1:{ECHO_PORT}/ws/echo/{self.conversation}/"
        return f"ws://127.0.0.1:{APP_PORT}/ws/berichten/{self.conversation}/"

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(
            self.url,
            additional_headers={"Cookie": f"sessionid={self.session}"},
            origin=f"http://127.0.0.1:{APP_PORT}",  # type: ignore[arg-type]
            open_timeout=10,
        )
        if not self.echo:
            self.catching_up = True
            await self.ws.send(json.dumps({"type": "hello", "after": self.last_id}))
            for client_id, body in list(self.unacked.items()):
                self.run.retries += 1
                await self.ws.send(json.dumps({"type": "send", "client_msg_id": client_id, "body": body}))
        self.ready.set()

    async def loop(self) -> None:
        delay = 0.2
        while not self.run.stopping:
            try:
                if self.ws is None:
                    await self.connect()
                    delay = 0.2
                async for raw in self.ws:
                    self.handle(json.loads(raw))
                raise ConnectionError
            except Exception:  # noqa: BLE001 - any failure: reconnect with backoff
                self.ready.clear()
                if self.ws is not None and not (self.run.stopping or self.run.resuming):
                    self.run.drops += 1
                self.ws = None
                if self.run.stopping:
                    return
                await asyncio.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 2.0)

    def handle(self, frame: dict[str, Any]) -> None:
        now = time.perf_counter()
        kind = frame.get("type")
        if self.echo:
            if frame.get("sender") != self.user and frame["cid"] in self.run.sent_at:
                self.run.latencies.append(now - self.run.sent_at[frame["cid"]])
                self.run.delivered += 1
            return
        if kind == "message":
            message = frame["message"]
            if message["sender"] != self.user and message["client_msg_id"] in self.run.sent_at:
                if message["id"] not in self.seen:
                    self.run.latencies.append(now - self.run.sent_at[message["client_msg_id"]])
                    self.run.delivered += 1
            self.seen.add(message["id"])
            # The chat page's rule: move on only past a message whose predecessor was heard; after a gap (a
            # broadcast lost while Redis was down), ask for everything after the last id instead.
            if message.get("prev", 0) <= self.last_id:
                if not self.catching_up:
                    self.last_id = max(self.last_id, message["id"])
            elif not self.catching_up and self.ws is not None:
                self.catching_up = True
                self.run.gap_catchups += 1
                self.later(json.dumps({"type": "hello", "after": self.last_id}))
        elif kind == "catchup":
            for message in frame["messages"]:
                self.seen.add(message["id"])
                self.last_id = max(self.last_id, message["id"])
            # As the chat page: while the server says there is more, ask again after the last id.
            self.catching_up = bool(frame.get("more")) and self.ws is not None
            if self.catching_up:
                self.later(json.dumps({"type": "hello", "after": self.last_id}))
        elif kind == "error" and frame.get("retry") and frame.get("client_msg_id") in self.unacked:
            # As the chat page: a send whose batch failed goes again with the same id.
            self.run.retries += 1
            body = self.unacked[frame["client_msg_id"]]
            self.later(json.dumps({"type": "send", "client_msg_id": frame["client_msg_id"], "body": body}))
        elif kind == "ack":
            self.unacked.pop(frame["client_msg_id"], None)
            self.seen.add(frame["id"])

    def later(self, payload: str) -> None:
        """Send a frame from the frame handler (which cannot wait); a closed socket drops it, the reconnect resends."""
        if self.ws is not None:
            task = asyncio.get_running_loop().create_task(self.ws.send(payload))
            task.add_done_callback(lambda done: done.cancelled() or done.exception())

    async def send_one(self) -> None:
        client_id = f"{self.user}-{uuid.uuid4().hex[:12]}"
        self.run.sent_at[client_id] = time.perf_counter()
        self.run.sent += 1
        if self.echo:
            payload = json.dumps({"sender": self.user, "cid": client_id})
        else:
            self.unacked[client_id] = "Hoi, hoe gaat het?"
            payload = json.dumps({"type": "send", "client_msg_id": client_id, "body": "Hoi, hoe gaat het?"})
        if self.ws is not None:
            try:
                await self.ws.send(payload)
            except Exception:  # noqa: BLE001, S110 - resent on reconnect
                pass


class Run:
    def __init__(self) -> None:
        self.sent_at: dict[str, float] = {}
        self.latencies: list[float] = []
        self.sent = self.delivered = self.retries = self.gap_catchups = self.drops = 0
        self.stopping = self.resuming = False


async def load(triads: list[Any], *, echo: bool, seconds: float, outage: Any = None) -> tuple[Run, list[Client]]:
    run = Run()
    clients = [Client(run, conv, user, session, echo=echo) for conv, people in triads for user, session in people]
    tasks = [asyncio.create_task(client.loop()) for client in clients]
    await asyncio.wait_for(asyncio.gather(*(client.ready.wait() for client in clients)), 30)
    await asyncio.sleep(1)
    interval = len(clients) / RATE  # each client sends once per interval, phases spread
    start = time.perf_counter()

    async def sender(client: Client, phase: float) -> None:
        await asyncio.sleep(phase)
        while time.perf_counter() - start < seconds:
            await client.send_one()
            await asyncio.sleep(interval)

    jobs = [sender(client, random.random() * interval) for client in clients]
    if outage is not None:
        jobs.append(outage(start))
    await asyncio.gather(*jobs)
    await asyncio.sleep(3)
    if outage is not None:
        # Every client resumes: a fresh socket, hello with its last id, unacked messages resent.
        run.resuming = True  # these closes are ours, not drops
        for client in clients:
            if client.ws is not None:
                await client.ws.close()
        await asyncio.sleep(1)
        await asyncio.wait_for(asyncio.gather(*(client.ready.wait() for client in clients)), 60)
        await asyncio.sleep(3)
    run.stopping = True
    for client in clients:
        if client.ws is not None:
            await client.ws.close()
    for task in tasks:
        task.cancel()
    return run, clients


async def handshakes(triads: list[Any], server_pid: int) -> tuple[int, float, float]:
    from websockets.asyncio.client import connect

    people = [(conv, session) for conv, members in triads for _user, session in members]
    opened: list[Any] = []

    async def one(index: int) -> bool:
        conv, session = people[index % len(people)]
        try:
            ws = await connect(
                f"ws://127.0.0.1:{APP_PORT}/ws/berichten/{conv}/",
                additional_headers={"Cookie": f"sessionid={session}"},
                origin=f"http://127.0.0.1:{APP_PORT}",  # type: ignore[arg-type]
                open_timeout=3,
            )
        except Exception:  # noqa: BLE001 - counted as a failed handshake
            return False
        opened.append(ws)
        return True

    started = time.perf_counter()
    results = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(1000))), 10)
    seconds = time.perf_counter() - started
    late = seconds > 3
    failures = results.count(False) if not late else max(results.count(False), 1)
    await asyncio.sleep(1)
    memory = rss_mb(server_pid)
    await asyncio.gather(*(ws.close() for ws in opened), return_exceptions=True)
    return failures, memory, round(seconds, 2)


class ConnectionWatch:
    """Polls how many connections PostgreSQL holds to the bench's database, and keeps the most seen."""

    def __init__(self) -> None:
        import threading

        self.most = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)

    def watch(self) -> None:
        import psycopg

        base, name = DATABASE_URL.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            while not self.stop.wait(0.2):
                row = connection.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]).fetchone()
                self.most = max(self.most, int(row[0]) if row else 0)


def kill_database_backends(seconds: float) -> None:
    """Terminate every server connection to the bench's database, again and again for `seconds`."""
    import psycopg

    base, name = DATABASE_URL.rsplit("/", 1)
    end = time.monotonic() + seconds
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        while time.monotonic() < end:
            connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            time.sleep(0.2)


def lost_and_duplicates(clients: list[Client]) -> tuple[int, int]:
    """Messages stored in a client's conversation that the client never saw, and messages stored twice."""
    from django.db.models import Count

    from messaging.models import Message

    stored: dict[int, set[int]] = {}
    for conversation_id, message_id in Message.objects.values_list("conversation_id", "id"):
        stored.setdefault(conversation_id, set()).add(message_id)
    lost = sum(len(stored.get(c.conversation, set()) - c.seen) for c in clients)
    duplicates = sum(
        row["n"] - 1
        for row in Message.objects.values("sender", "client_msg_id").annotate(n=Count("id")).filter(n__gt=1)
    )
    return lost, duplicates


def main() -> None:
    redis = start_redis()
    triads = prepare()
    server = start_server("config.asgi:application", APP_PORT)
    echo_server = start_server("bench.chat_echo:application", ECHO_PORT)
    result: dict[str, Any] = {"sockets": TRIADS * 3, "messages_per_second": RATE, "load_seconds": LOAD_SECONDS}
    watch = ConnectionWatch()
    watch.thread.start()
    try:
        cpu_before = cpu_seconds(server.pid)
        run, _clients = asyncio.run(load(triads, echo=False, seconds=LOAD_SECONDS))
        result["server_cpu_ms_per_message"] = round((cpu_seconds(server.pid) - cpu_before) * 1000 / max(run.sent, 1), 2)
        result["delivered_ratio"] = round(run.delivered / max(run.sent * 2, 1), 4)
        result["p50_ms"] = round(percentile(run.latencies, 0.5) * 1000, 1)
        result["p99_ms"] = round(percentile(run.latencies, 0.99) * 1000, 1)
        echo_cpu_before = cpu_seconds(echo_server.pid)
        echo, _clients = asyncio.run(load(triads, echo=True, seconds=LOAD_SECONDS))
        echo_cpu = (cpu_seconds(echo_server.pid) - echo_cpu_before) * 1000 / max(echo.sent, 1)
        result["echo_cpu_ms_per_message"] = round(echo_cpu, 2)
        result["cpu_over_echo"] = round(result["server_cpu_ms_per_message"] / max(echo_cpu, 1e-9), 1)
        result["echo_delivered_ratio"] = round(echo.delivered / max(echo.sent * 2, 1), 4)
        result["echo_p50_ms"] = round(percentile(echo.latencies, 0.5) * 1000, 1)
        result["echo_p99_ms"] = round(percentile(echo.latencies, 0.99) * 1000, 1)
        time.sleep(5)  # let the server finish the first run before the handshake storm
        failures, memory, seconds = asyncio.run(handshakes(triads, server.pid))
        result["handshake_failures_1000"] = failures
        result["handshake_seconds_1000"] = seconds  # until the last of the 1,000 was open (or gave up)
        result["server_rss_mb_1000"] = memory

        import django

        django.setup()
        from django.db import connections

        from messaging.models import Message

        redis_away: list[float] = []

        async def outage(start: float) -> None:
            nonlocal redis
            await asyncio.sleep(5)
            redis.send_signal(signal.SIGKILL)
            redis.wait()
            redis_away.append(time.time())
            await asyncio.sleep(OUTAGE_SECONDS)
            redis_away.append(time.time())
            redis = start_redis()

        broken, clients = asyncio.run(load(triads, echo=False, seconds=OUTAGE_SECONDS + 10, outage=outage))
        away_from, away_until = (datetime.fromtimestamp(t, tz=UTC) for t in redis_away)
        result["stored_during_redis_outage"] = Message.objects.filter(
            created_at__gte=away_from, created_at__lt=away_until
        ).count()
        result["lost_after_redis_outage"], result["duplicates_after_redis_outage"] = lost_and_duplicates(clients)
        result["sent_during_outage_run"] = broken.sent
        result["socket_drops_during_redis_outage"] = broken.drops
        result["resent_after_reconnect"] = broken.retries
        result["gap_catchups_during_outage_run"] = broken.gap_catchups
        connections.close_all()

        async def database_outage(start: float) -> None:
            await asyncio.sleep(LOAD_SECONDS / 2 - DB_OUTAGE_SECONDS / 2)
            await asyncio.to_thread(kill_database_backends, DB_OUTAGE_SECONDS)

        killed, clients = asyncio.run(load(triads, echo=False, seconds=LOAD_SECONDS, outage=database_outage))
        result["socket_drops_on_db_error"] = killed.drops
        result["lost_after_db_outage"], result["duplicates_after_db_outage"] = lost_and_duplicates(clients)
        connections.close_all()
    finally:
        watch.stop.set()
        watch.thread.join()
        result["max_db_connections"] = watch.most
        for process in (server, echo_server, redis):
            process.terminate()
            process.wait()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
