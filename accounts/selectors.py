"""Reads about users and their roles."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import STAFF_ROLES, AccessLogEntry, Organisation, RoleAssignment, User

AnyUser = User | AnonymousUser


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


def accesslogentry_visible_to(user: AnyUser) -> QuerySet[AccessLogEntry]:
    """Log rows about the user's own record, or about the children of whom they have custody."""
    if not user.is_authenticated:
        return AccessLogEntry.objects.none()
    from youth.selectors import youngperson_own_or_in_custody

    return AccessLogEntry.objects.filter(young_person__in=youngperson_own_or_in_custody(user))


def organisations_where(user: AnyUser, role: str) -> QuerySet[Organisation]:
    """The organisations in which the user holds the given role, as a queryset (for form choices)."""
    return Organisation.objects.filter(pk__in=organisation_ids_where(user, role))


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
