"""Reads about users and their roles."""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.models import STAFF_ROLES, Organisation, RoleAssignment, Team, User

AnyUser = User | AnonymousUser


# What the session middleware keeps in a session (accounts.middleware.SessionTimeoutMiddleware), read here too by the
# chat sockets, which see no request: when it started and when its user was last active (epoch seconds).
SESSION_STARTED = "dichtbij_started"
SESSION_LAST_SEEN = "dichtbij_last_seen"
# Writing the session on every request costs a write; a minute of precision is plenty for a 30-minute limit.
LAST_SEEN_RESOLUTION = 60


def session_limits(*, staff: bool) -> tuple[timedelta, timedelta]:
    """How long a session may be idle, and how long it may last at all (README, "Sessions"): staff see many young
    people's records, so theirs are short."""
    if staff:
        return settings.SESSION_IDLE_TIMEOUT_STAFF, settings.SESSION_ABSOLUTE_TIMEOUT_STAFF
    return settings.SESSION_IDLE_TIMEOUT_OTHERS, settings.SESSION_ABSOLUTE_TIMEOUT_OTHERS


@dataclass(frozen=True)
class LiveSession:
    """A session with a logged-in, active user, and what its limits are measured from."""

    user: User
    started: float
    last_seen: float
    staff: bool

    def ends_at(self, *, last_seen: float | None = None) -> float:
        """When the idle or the absolute limit ends the session (epoch seconds), counting idle time from `last_seen`
        (the session's own by default)."""
        idle, absolute = session_limits(staff=self.staff)
        seen = self.last_seen if last_seen is None else last_seen
        return min(seen + idle.total_seconds(), self.started + absolute.total_seconds())


def sessions_live(session_keys: Collection[str]) -> dict[str, LiveSession]:
    """The live sessions among `session_keys` with their logged-in, active user, in three queries however many there
    are (chat sockets join in bursts, and one `get_user` per socket was most of a join's cost). A session past its
    idle or absolute limit is not live, as the session middleware would end it on the next page.

    The check is `django.contrib.auth.get_user`'s: a known backend, an active user, and the session's hash matching
    the user's (so a changed password logs out everywhere). One rule is stricter: a session signed with a fallback
    secret is refused rather than renewed, because renewing needs a response that sets the cookie; the page's next
    ordinary request renews it."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    sessions = {
        key: store.decode(data)
        for key, data in store.get_model_class()
        .objects.filter(session_key__in=session_keys, expire_date__gt=timezone.now())
        .values_list("session_key", "session_data")
    }
    user_ids: dict[str, int] = {}
    for key, data in sessions.items():
        if data.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
            continue
        try:
            user_ids[key] = User._meta.pk.to_python(data[SESSION_KEY])
        except (KeyError, ValidationError):
            continue
    # Every configured backend is ModelBackend or allauth's subclass of it: get_user is the row, if it is active.
    users = User.objects.filter(is_active=True).in_bulk(set(user_ids.values()))
    staff_ids = set(
        RoleAssignment.objects.filter(user_id__in=users, role__in=STAFF_ROLES).values_list("user_id", flat=True)
    )
    now = time.time()
    found = {}
    for key, user_id in user_ids.items():
        user = users.get(user_id)
        data = sessions[key]
        session_hash = data.get(HASH_SESSION_KEY)
        if user is None or not session_hash or not constant_time_compare(session_hash, user.get_session_auth_hash()):
            continue
        live = LiveSession(
            user=user,
            started=float(data.get(SESSION_STARTED, now)),
            last_seen=float(data.get(SESSION_LAST_SEEN, now)),
            staff=user.is_staff or user.pk in staff_ids,
        )
        if live.ends_at() > now:
            found[key] = live
    return found


def roles_of(user: AnyUser) -> list[RoleAssignment]:
    """The user's role assignments, read once per request object (middleware, views and templates all ask)."""
    if not user.is_authenticated:
        return []
    cached: list[RoleAssignment] | None = getattr(user, "_dichtbij_roles", None)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user).select_related("organisation", "region"))
        user._dichtbij_roles = cached  # type: ignore[attr-defined]
    return cached


def role_names(user: AnyUser) -> set[str]:
    """The names of the roles the user holds."""
    return {assignment.role for assignment in roles_of(user)}


def has_role(user: AnyUser, *roles: str) -> bool:
    """Whether the user holds at least one of the given roles."""
    return not role_names(user).isdisjoint(roles)


def is_staff_user(user: AnyUser) -> bool:
    """Staff roles see many people's records: they need a second factor and a short idle timeout."""
    return user.is_authenticated and (user.is_staff or has_role(user, *STAFF_ROLES))


def organisation_ids_where(user: AnyUser, role: str) -> list[int]:
    """The organisations in which the user holds the given role."""
    return [a.organisation_id for a in roles_of(user) if a.role == role and a.organisation_id is not None]


def organisations_where(user: AnyUser, role: str) -> QuerySet[Organisation]:
    """The organisations in which the user holds the given role, as a queryset (for form choices)."""
    return Organisation.objects.filter(pk__in=organisation_ids_where(user, role))


def teams_where(user: AnyUser, *roles: str) -> QuerySet[Team]:
    """The teams of the organisations in which the user holds one of `roles`, by name (for a list's team filter)."""
    organisation_ids = [a.organisation_id for a in roles_of(user) if a.role in roles and a.organisation_id]
    return (
        Team.objects.filter(organisation_id__in=organisation_ids).select_related("organisation").order_by("name", "pk")
    )


DEMO_EMAIL_DOMAIN = "demo.dichtbij.example"


def demo_users() -> QuerySet[User]:
    """The demo world's people (by their reserved email domain), for one-click login in demo mode."""
    return (
        User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}", is_active=True)
        .prefetch_related("roles")
        .order_by("email")
    )


def demo_user_get(email: str) -> User:
    """One demo user by email; 404 for anyone else, so the demo button can never log in as a real person."""
    user = demo_users().filter(email__iexact=email.strip()).first()
    if user is None:
        raise Http404
    return user
