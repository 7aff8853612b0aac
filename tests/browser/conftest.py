"""Playwright on Debian's Chromium: one browser per session, a fresh context (cookies, storage) per test."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.apps import apps
from django.core.management.color import no_style
from django.db import connections, transaction
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Playwright, sync_playwright

from accounts.models import User
from accounts.selectors import DEMO_EMAIL_DOMAIN
from demo.world import demo_load
from tests.conftest import tables_emptied_between_tests
from tests.factories import give_all_consents
from youth.models import Case, CaseAssignment, Guardianship, YoungPerson

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
# Generous for a first paint on a loaded CI machine, short enough that a hang fails fast.
TIMEOUT_MS = 15_000


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    # Playwright's sync API runs an event loop in the main thread; Django refuses ORM calls from a thread with a
    # running loop unless told that this is fine. These tests touch the database only between browser steps.
    # Package scope closes the loop (and lifts the permission) before the rest of the suite runs.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            yield p
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(locale="nl-NL")
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation.get('impact')}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {node['target']}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


AssertAccessible = Callable[[Page], None]

# Every id that aria-describedby, aria-labelledby, aria-controls or <label for> points at exists exactly once.
BROKEN_IDREFS_JS = """() => {
  const broken = [];
  const count = (id) => document.querySelectorAll(`[id="${CSS.escape(id)}"]`).length;
  for (const attr of ["aria-describedby", "aria-labelledby", "aria-controls", "for"]) {
    for (const el of document.querySelectorAll(`[${attr}]`)) {
      for (const id of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
        const n = count(id);
        if (n !== 1) broken.push(`${el.tagName.toLowerCase()}#${el.id} ${attr}=${id} (found ${n})`);
      }
    }
  }
  return broken;
}"""


def follow(page: Page, link: Locator) -> None:
    """Click a link and wait until the page it leads to has loaded: axe run straight after a click may check the page
    that is going away, or fail when it goes away in the middle of the run."""
    with page.expect_navigation():
        link.click()


@pytest.fixture
def assert_accessible(axe: Axe) -> AssertAccessible:
    """Run axe-core on the page as it is now, WCAG 2.1 A and AA rules only, and fail on any violation."""

    def check(page: Page) -> None:
        results = axe.run(page, options=WCAG_21_AA)
        violations = results.response["violations"]
        assert not violations, f"axe found violations on {page.url}:\n{format_violations(violations)}"
        # axe only lists these as "needs review", yet a screen reader then silently loses the help or error text.
        broken = page.evaluate(BROKEN_IDREFS_JS)
        assert not broken, f"ARIA references to missing or duplicate ids on {page.url}: {broken}"

    return check


@pytest.fixture
def demo_world(live_server: Any, settings: Any, request: pytest.FixtureRequest) -> str:
    """The demo world in the (transactional) test database; returns the live server's URL. The made-up history
    for the figures about groups only for tests marked `demo_history`: it is half of every load."""
    # The demo makes nine users; with the real password hasher that alone costs over two seconds per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # In a thread of its own: Playwright's event loop runs in this one, and the demo's chat messages are broadcast
    # through the channel layer, which cannot be called synchronously from a thread with a running loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_demo_load_and_close, history=request.node.get_closest_marker("demo_history") is not None).result()
    return str(live_server.url)


# The demo world's rows per table, kept after its first load in this process (one copy with the history, one without).
_demo_rows: dict[bool, dict[str, Any]] = {}


def _demo_load_and_close(*, history: bool) -> None:
    """Load the demo world; from the second time in a test process, put back the rows of the first load instead.
    A load asks the services for every step (over 2,000 queries, 4 to 13 s here); putting back its rows takes a
    fraction of a second, and 47 browser tests start from it."""
    try:
        saved = _demo_rows.get(history)
        if saved is None:
            demo_load(history=history)
            _demo_rows[history] = _rows_copy()
        else:
            _rows_put_back(saved)
    finally:
        connections.close_all()


def _rows_copy() -> dict[str, Any]:
    """Every model table's rows: PostgreSQL's own COPY text (exact for every column type), SQLite's plain values."""
    connection = connections["default"]
    copied: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for table in tables_emptied_between_tests():
            quoted = connection.ops.quote_name(table)
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {quoted} TO STDOUT") as copy:
                    copied[table] = b"".join(bytes(block) for block in copy)
            else:
                cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - the models' own table names, quoted
                copied[table] = ([column[0] for column in cursor.description], cursor.fetchall())
    return copied


def _rows_put_back(copied: dict[str, Any]) -> None:
    """Into the tables the previous test left empty, in one transaction: the foreign keys Django makes are checked
    at commit, so the order of the tables does not matter."""
    connection = connections["default"]
    with transaction.atomic(), connection.cursor() as cursor:
        for table, rows in copied.items():
            quoted = connection.ops.quote_name(table)
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {quoted} FROM STDIN") as copy:
                    copy.write(rows)
            elif rows[1]:
                columns, values = rows
                names = ", ".join(connection.ops.quote_name(column) for column in columns)
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {quoted} ({names}) VALUES ({marks})", values)  # noqa: S608
        # New rows made by the test get ids after the demo's.
        models = [model for model in apps.get_models() if model._meta.db_table in copied]
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


LoginAs = Callable[[Page, str], None]


@pytest.fixture
def login_as(demo_world: str) -> LoginAs:
    """Log in with a demo person's one-click button (by email local part, e.g. "lisa") and wait for home."""

    def login(page: Page, local: str) -> None:
        email = f"{local}@{DEMO_EMAIL_DOMAIN}"
        page.goto(f"{demo_world}/accounts/login/")
        hidden = page.locator(f'input[type="hidden"][name="email"][value="{email}"]')
        page.locator("form").filter(has=hidden).get_by_role("button").click()
        page.wait_for_url(f"{demo_world}/")

    return login


OpenAs = Callable[[str], Page]


@pytest.fixture
def open_as(browser: Browser, login_as: LoginAs) -> Iterator[OpenAs]:
    """A logged-in browser of its own per demo person (by email local part), so nobody has to log out; all are
    closed after the test."""
    contexts: list[BrowserContext] = []

    def open_page(local: str) -> Page:
        context = browser.new_context(locale="nl-NL")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        login_as(page, local)
        return page

    yield open_page
    for context in contexts:
        context.close()


def lieke_gets_a_case() -> Case:
    """Marieke's youngest, Lieke, gets a case with Lisa: a family with no request yet."""
    marieke = User.objects.get(email__startswith="marieke@")
    sanne = YoungPerson.objects.get(first_name="Sanne", last_name="de Vries")
    lieke = YoungPerson.objects.create(
        first_name="Lieke",
        last_name="de Vries",
        date_of_birth=timezone.localdate() - timedelta(days=8 * 365),
        residence_municipality=sanne.residence_municipality,
        paying_municipality=sanne.paying_municipality,
        home_place="Leiden",
        latitude=sanne.latitude,
        longitude=sanne.longitude,
        languages=["nl"],
    )
    Guardianship.objects.create(young_person=lieke, guardian=marieke, has_custody=True)
    give_all_consents(lieke)  # Marieke said yes to keeping and sharing: a match starts only with it
    case = Case.objects.create(
        young_person=lieke, organisation=sanne.cases.get().organisation, opened_on=timezone.localdate()
    )
    CaseAssignment.objects.create(case=case, professional=User.objects.get(email__startswith="lisa@"), is_lead=True)
    return case
