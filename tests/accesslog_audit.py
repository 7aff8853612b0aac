"""Every page that shows a young person writes an access-log row for them (issue 18, "every view logged").

The permission matrices already open every page for every persona on its own and a foreign young person. During
those tests (`role_matrix` cases: they have `persona` and `own` among their parameters) the test client is audited:
after each GET that answers 200, if the page's main content names a young person of the test's world, an
AccessLogEntry for that young person, by the user who asked, must have been written during that request. So the
sweep is driven from the same URL lists as the permission checks, and a new page in any matrix is audited as soon
as it is added there. The chat's socket frames are not HTTP: tests/test_accesslog_complete.py checks them.

What counts as naming: the young person's first or last name as a whole word (case as written) in the page's
`<main>` (the menu shows the logged-in user's own name, which is not a read of a record). A name that someone else
in the world also bears (a user, a volunteer's household member, a person in a network map, a nominee) cannot tell
whose it is, so it is not used; a name that two young people share is satisfied by a row for either.

Not a read of a record (documented exemptions, the same rule the product follows):
- the home page of the young person and of a parent with custody: their own greeting and the list of their own
  children are how they reach the record, and the log is kept for them (tests/test_accesslog.py);
- "Who looked at the data?": reading the log itself would add a row to it on every visit.
"""

from __future__ import annotations

import ast
import html
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import Max
from django.http import HttpResponse
from django.test import Client
from django.urls import resolve

# URL names (namespace:name) whose page is no read of a record for the young person themselves and a parent with
# custody (see the module's docstring). Everyone else is audited on them as on any page.
OWN_PAGES = {"home", "youth:accesslog"}

MAIN = re.compile(r"<main\b.*?</main>", re.DOTALL)


class NotLogged(AssertionError):
    """A page showed a young person and wrote no access-log row for them."""


def _names_of_others() -> set[str]:
    """Every first and last name of someone who is not a young person. A young person's own account is left out: the
    name on it is theirs."""
    from accounts.models import User
    from mentors.models import Mentorship
    from volunteers.models import HouseholdMember
    from youth.models import NetworkPerson

    names: set[str] = set()
    for first, last in User.objects.filter(young_person__isnull=True).values_list("first_name", "last_name"):
        names.update(_words(first), _words(last))
    names.update(HouseholdMember.objects.values_list("first_name", flat=True))
    names.update(NetworkPerson.objects.values_list("first_name", flat=True))
    for nominee in Mentorship.objects.values_list("nominee_name", flat=True):
        names.update(_words(nominee))
    return names


def _words(text: str) -> set[str]:
    return {word for word in re.split(r"\s+", text.strip()) if word}


def young_people_by_name() -> dict[str, set[int]]:
    """Name (a first name, or a last name's words) → the young people who bear it, leaving out names that others
    bear too (a page that shows one could mean either person)."""
    from youth.models import YoungPerson

    others = _names_of_others()
    by_name: dict[str, set[int]] = defaultdict(set)
    for pk, first, last in YoungPerson.objects.values_list("pk", "first_name", "last_name"):
        for word in {first.strip(), *_words(last)}:
            # Short words ("de", "van") and the particles of Dutch last names, written small ("van der", "die",
            # "ten"), are parts of many names and of ordinary sentences.
            if len(word) >= 3 and word[0].isupper() and word not in others:
                by_name[word].add(pk)
    return dict(by_name)


@cache
def _interface_texts() -> tuple[str, ...]:
    """Every text of the interface in every language (the msgids and msgstrs of the project's catalogues), longest
    first. A help text may use a made-up name as an example ("a trip to the zoo with Sanne"): that is no person."""
    root = Path(__file__).resolve().parent.parent
    texts: set[str] = set()
    for catalogue in [*root.glob("locale/*/LC_MESSAGES/django.po"), *root.glob("*/locale/*/LC_MESSAGES/django.po")]:
        current: list[str] = []
        for line in [*catalogue.read_text(encoding="utf-8").splitlines(), ""]:
            line = line.strip()
            if line.startswith('"') and current:
                current.append(ast.literal_eval(line))
                continue
            if current:
                texts.add("".join(current))
            current = []
            if line.startswith(("msgid", "msgstr")) and '"' in line:
                current = [ast.literal_eval(line[line.index('"') :])]
    return tuple(sorted((t for t in texts if t and "%" not in t and "{" not in t), key=len, reverse=True))


def _says(text: str, name: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None


def shown_young_people(body: str, by_name: dict[str, set[int]]) -> dict[str, set[int]]:
    """The names from `by_name` that the page's main content shows (the whole body when it has no <main>), outside
    the interface's own texts."""
    main = MAIN.search(body)
    text = html.unescape(main.group(0) if main else body)
    shown = {}
    for name, pks in by_name.items():
        if not _says(text, name):
            continue
        rest = text
        for interface_text in _interface_texts():
            if name in interface_text:
                rest = rest.replace(interface_text, "")
        if _says(rest, name):
            shown[name] = pks
    return shown


def check_logged(response: HttpResponse, *, logged_after: int) -> None:
    """Raise NotLogged when the response named a young person and no row for them by the requesting user has an id
    above `logged_after` (the highest id before the request)."""
    from accesslog.models import AccessLogEntry
    from accounts.models import User
    from youth.models import YoungPerson
    from youth.selectors import is_own_or_in_custody

    request = response.wsgi_request  # type: ignore[attr-defined]  # set by the test client; not in HttpResponse's stubs
    user = request.user
    if not isinstance(user, User) or not response.get("Content-Type", "").startswith(("text/", "application/json")):
        return
    shown = shown_young_people(response.content.decode(errors="replace"), young_people_by_name())
    if not shown:
        return
    logged = set(
        AccessLogEntry.objects.filter(pk__gt=logged_after, actor=user).values_list("young_person_id", flat=True)
    )
    url_name = resolve(request.path_info).view_name
    missing = []
    for name, pks in sorted(shown.items()):
        if pks & logged:
            continue
        if url_name in OWN_PAGES and any(is_own_or_in_custody(user, p) for p in YoungPerson.objects.filter(pk__in=pks)):
            continue
        missing.append(name)
    if missing:
        raise NotLogged(
            f"GET {request.get_full_path()} ({url_name}) showed young person {', '.join(missing)} to {user} "
            "and wrote no access-log row for them"
        )


def last_log_id() -> int:
    from accesslog.models import AccessLogEntry

    return AccessLogEntry.objects.aggregate(last=Max("pk"))["last"] or 0


def audited_request(request: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap Client.request: a GET that answers 200 is checked with `check_logged`."""

    def audited(self: Client, **environ: Any) -> Any:
        if environ.get("REQUEST_METHOD") != "GET":
            return request(self, **environ)
        before = last_log_id()
        response = request(self, **environ)
        if response.status_code == 200 and not getattr(response, "streaming", False):
            check_logged(response, logged_after=before)
        return response

    return audited


def is_matrix_case(item: Any) -> bool:
    """A test case made by `tests.permissions.role_matrix`: one view, one persona, own or foreign object."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    return "persona" in params and "own" in params


def audit(monkeypatch: Any) -> Iterator[None]:
    monkeypatch.setattr(Client, "request", audited_request(Client.request))
    yield
