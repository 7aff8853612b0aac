"""Reads of the sociale kaart, and who may use it.

Who reads: professionals, coordinators and social brokers (volunteers registered as social broker, active, with
their screening done) read and search the whole directory: it is public information about organisations, not
about people, so no access-log rows are written. Parents, young people, mentors, analysts and other volunteers do
not use it here; a family gets the printed overview.
Who writes: coordinators, and such social brokers, add and update the entries of their own organisation.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.models import Role
from accounts.selectors import AnyUser, has_role
from community.models import REVIEW_AFTER, Resource, ResourceTheme
from core.geo import Place, distance_km
from core.selectors import object_get_for
from volunteers.models import Volunteer, VolunteerKind
from volunteers.selectors import volunteer_readiness, with_readiness_data
from youth.parties import coordinated_organisation_ids

# How many entries a family's printed overview holds: one page.
PRINT_LIMIT = 8
KM_PER_DEGREE_LATITUDE = 111.2


def fold(text: str) -> str:
    """Lower case without accents ("Café" → "cafe"): how `Resource.search_text` and search terms are compared."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", plain.casefold()).strip()


def search_text_for(name: str, description: str) -> str:
    """What the free-text search looks in: name and description, folded."""
    return fold(f"{name} {description}")


def is_active_social_broker(user: AnyUser) -> bool:
    """Whether the user is a volunteer registered as social broker and active (one query). Screening is not
    checked here: that is `social_broker_organisation_ids`; this cheap test is for the menu."""
    if not user.is_authenticated:
        return False
    return Volunteer.objects.filter(
        user=user, status=Volunteer.Status.ACTIVE, roles__kind=VolunteerKind.SOCIAL_BROKER
    ).exists()


def social_broker_organisation_ids(user: AnyUser) -> list[int]:
    """The organisation of the user's volunteer profile when they are an active social broker whose screening is
    complete and valid (the same rule matching uses, `volunteer_readiness`); else nothing. Read once per request
    object, as every view and template asks."""
    if not user.is_authenticated:
        return []
    cached: list[int] | None = getattr(user, "_dichtbij_broker_orgs", None)
    if cached is not None:
        return cached
    found: list[int] = []
    if has_role(user, Role.VOLUNTEER) and is_active_social_broker(user):
        volunteer = with_readiness_data(Volunteer.objects.filter(user=user)).first()
        # Capacity is about matches, not about keeping the directory: count none.
        if volunteer is not None and not volunteer_readiness(volunteer, open_matches=0).screening_missing:
            found = [volunteer.organisation_id]
    user._dichtbij_broker_orgs = found  # type: ignore[attr-defined]
    return found


def can_read_directory(user: AnyUser) -> bool:
    """Professionals, coordinators and screened social brokers read the whole directory."""
    return has_role(user, Role.PROFESSIONAL, Role.COORDINATOR) or bool(social_broker_organisation_ids(user))


def organisation_ids_keeping(user: AnyUser) -> list[int]:
    """The organisations whose entries the user may add and update: as coordinator or as screened broker."""
    ids = coordinated_organisation_ids(user) + social_broker_organisation_ids(user)
    return sorted(set(ids))


def can_import(user: AnyUser) -> bool:
    """CSV import and export are coordinators' tools."""
    return bool(coordinated_organisation_ids(user))


def _with_display_data(resources: QuerySet[Resource]) -> QuerySet[Resource]:
    return resources.select_related("organisation", "municipality", "checked_by").prefetch_related(
        Prefetch("themes", queryset=ResourceTheme.objects.order_by("theme"))
    )


def resource_visible_to(user: AnyUser) -> QuerySet[Resource]:
    """The whole directory for those who may read it (see the module docstring); nothing for anyone else."""
    if not can_read_directory(user):
        return Resource.objects.none()
    return _with_display_data(Resource.objects.all())


def resource_writable_by(user: AnyUser) -> QuerySet[Resource]:
    """The entries of the organisations the user keeps the directory for."""
    return Resource.objects.filter(organisation_id__in=organisation_ids_keeping(user))


def resource_get_for(user: AnyUser, pk: int, write: bool = False) -> Resource:
    """One entry: 404 when invisible, 403 when `write` and it belongs to another organisation."""
    return object_get_for(resource_visible_to(user), resource_writable_by(user), pk, write=write)


def resource_due_for_review(user: AnyUser, *, today: date | None = None) -> QuerySet[Resource]:
    """Entries of the user's own organisations that nobody checked for a year, oldest check first."""
    today = today or timezone.localdate()
    due = resource_writable_by(user).filter(checked_on__lt=today - REVIEW_AFTER)
    return _with_display_data(due).order_by("checked_on", "pk")


@dataclass(frozen=True)
class Search:
    """What a search asks for. Every part is optional; `near` with `within_km` is a distance from a place."""

    text: str = ""
    theme: str = ""
    category: str = ""
    age: int | None = None
    near: Place | None = None
    within_km: float = 10.0


@dataclass(frozen=True)
class Hit:
    resource: Resource
    distance_km: float | None


def bounding_box(centre: Place, km: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) around `centre` that holds every point within `km` (a little more)."""
    dlat = km / KM_PER_DEGREE_LATITUDE
    # Longitude degrees shrink towards the poles; the widest is at the latitude nearest the equator in the box.
    widest = max(math.cos(math.radians(min(abs(centre.latitude) + dlat, 89.9))), 0.01)
    dlon = km / (KM_PER_DEGREE_LATITUDE * widest)
    return centre.latitude - dlat, centre.latitude + dlat, centre.longitude - dlon, centre.longitude + dlon


def resource_search(user: AnyUser, search: Search) -> list[Hit]:
    """The visible entries that match every part of `search`.

    Text: every word must occur in the name or description, case- and accent-insensitive (`fold`).
    Age: the entry's age range holds the age. Distance: a bounding box in the database (indexed latitude and
    longitude), then the exact distance over the earth (geopy) on what is left, nearest first; without a place,
    by name. Queries: a constant number, whatever the number of hits.
    """
    found = resource_visible_to(user)
    for word in fold(search.text).split():
        found = found.filter(search_text__contains=word)
    if search.theme:
        found = found.filter(themes__theme=search.theme)
    if search.category:
        found = found.filter(category=search.category)
    if search.age is not None:
        found = found.filter(age_min__lte=search.age, age_max__gte=search.age)
    if search.near is None:
        return [Hit(resource, None) for resource in found]
    south, north, west, east = bounding_box(search.near, search.within_km)
    boxed = found.filter(latitude__range=(south, north), longitude__range=(west, east))
    hits = []
    for resource in boxed:
        km = distance_km(search.near, Place(resource.place, resource.latitude, resource.longitude))
        if km <= search.within_km:
            hits.append(Hit(resource, km))
    hits.sort(key=lambda hit: (hit.distance_km, hit.resource.name))
    return hits


def resources_for_print(user: AnyUser, ids: list[int]) -> list[Resource]:
    """The chosen visible entries for a family's overview, in the order chosen (unknown ids are left out)."""
    by_pk = {r.pk: r for r in resource_visible_to(user).filter(pk__in=ids)}
    return [by_pk[pk] for pk in dict.fromkeys(ids) if pk in by_pk]


def resource_export_queryset(user: AnyUser, *, everything: bool) -> QuerySet[Resource]:
    """What a coordinator's CSV export holds: the entries of their own organisations, or the whole directory."""
    if everything:
        return resource_visible_to(user).order_by("name", "pk")
    return _with_display_data(resource_writable_by(user)).order_by("name", "pk")
