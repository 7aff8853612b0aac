"""Writes of the sociale kaart: adding, changing and checking entries, and importing a CSV file of them.

Every write checks the same rules (`resource_clean`), so a page, the import and the demo cannot disagree on what a
valid entry is. Nothing here can race in a way that matters: each write is one row (plus its theme rows) in one
transaction, and two people changing the same entry at once means the later save wins, as in any edit form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Municipality, Organisation, User
from community.models import (
    AGE_LIMIT,
    Category,
    Cost,
    Resource,
    ResourceTheme,
    Theme,
)
from community.selectors import (
    organisation_ids_keeping,
    search_text_for,
)
from core.geo import Place, geocode
from youth.parties import coordinates

PHONE = re.compile(r"^\+?[0-9 ()\-]{6,20}$")
FIELD_LIMITS = {
    "name": 150,
    "description": 2000,
    "address": 200,
    "place": 100,
    "opening_times": 300,
    "cost_note": 200,
    "phone": 20,
    "email": 254,
    "website": 200,
}


class ResourceData(TypedDict):
    """Everything an entry says. `themes` holds `Theme` values; `municipality` may be None only to be refused."""

    name: str
    category: str
    description: str
    age_min: int
    age_max: int
    themes: list[str]
    address: str
    place: str
    municipality: Municipality | None
    opening_times: str
    cost: str
    cost_note: str
    phone: str
    email: str
    website: str


@dataclass(frozen=True)
class ImportReport:
    """What an import did: entries added and changed, or (then nothing was imported) every problem found."""

    created: int
    updated: int
    errors: list[str]


@dataclass(frozen=True)
class CleanResource:
    """A valid entry's values, stripped and normalised, with the place's coordinates."""

    values: dict[str, object]
    themes: list[str]
    place: Place


def _too_long(field: str, value: str) -> str | None:
    limit = FIELD_LIMITS[field]
    if len(value) > limit:
        return _("Use at most %(limit)s characters (now %(count)s).") % {"limit": limit, "count": len(value)}
    return None


def resource_clean(data: ResourceData) -> CleanResource:
    """Check an entry and return its cleaned values, or raise one ValidationError naming every bad field with a
    translated message (so a form or an import row shows them all at once). Looks up the place's coordinates."""
    errors: dict[str, str] = {}
    text = {field: str(data.get(field) or "").strip() for field in FIELD_LIMITS}
    for field, value in text.items():
        message = _too_long(field, value)
        if message:
            errors[field] = message
    if not text["name"]:
        errors["name"] = _("Give the name of the club, group or help point.")
    if not text["description"]:
        errors["description"] = _("Describe in a few sentences what it offers and for whom.")
    if data.get("category") not in Category.values:
        errors["category"] = _("Choose a category.")
    if data.get("cost") not in Cost.values:
        errors["cost"] = _("Choose what it costs: free, a small contribution or paid.")
    themes = list(dict.fromkeys(data.get("themes") or []))
    unknown = [theme for theme in themes if theme not in Theme.values]
    if unknown:
        errors["themes"] = _("Unknown theme: %(themes)s.") % {"themes": ", ".join(unknown)}
    age_min, age_max = data.get("age_min"), data.get("age_max")
    if not isinstance(age_min, int) or not 0 <= age_min <= AGE_LIMIT:
        errors["age_min"] = _("The lowest age must be a whole number from 0 to %(limit)s.") % {"limit": AGE_LIMIT}
    if not isinstance(age_max, int) or not 0 <= age_max <= AGE_LIMIT:
        errors["age_max"] = _("The highest age must be a whole number from 0 to %(limit)s.") % {"limit": AGE_LIMIT}
    elif isinstance(age_min, int) and age_min > age_max:
        errors["age_max"] = _("The highest age cannot be lower than the lowest age.")
    if data.get("municipality") is None:
        errors["municipality"] = _("Choose the municipality.")
    place = None
    if "place" not in errors:
        try:
            place = geocode(text["place"])
        except ValidationError as error:
            errors["place"] = " ".join(error.messages)
    if text["phone"] and "phone" not in errors and not PHONE.match(text["phone"]):
        errors["phone"] = _("Enter a phone number with digits only, like 071-5550123.")
    if text["email"] and "email" not in errors:
        try:
            EmailValidator()(text["email"])
        except ValidationError:
            errors["email"] = _("Enter an email address like info@example.org.")
    if text["website"] and "website" not in errors:
        if "://" not in text["website"]:
            text["website"] = f"https://{text['website']}"
        try:
            URLValidator(schemes=["http", "https"])(text["website"])
        except ValidationError:
            errors["website"] = _("Enter a web address like www.example.org.")
    if not (text["phone"] or text["email"] or text["website"]):
        errors.setdefault("phone", _("Give at least one way to get in touch: phone, email or website."))
    if errors or place is None:
        raise ValidationError(errors)
    values: dict[str, object] = {
        **text,
        "category": data["category"],
        "cost": data["cost"],
        "age_min": age_min,
        "age_max": age_max,
        "municipality": data["municipality"],
        "latitude": place.latitude,
        "longitude": place.longitude,
        "search_text": search_text_for(text["name"], text["description"]),
    }
    return CleanResource(values=values, themes=themes, place=place)


def _check_keeper(actor: User, organisation_id: int) -> None:
    if organisation_id not in organisation_ids_keeping(actor):
        raise PermissionDenied(_("Only a coordinator or social broker of this organisation can change its entries."))


def _set_themes(resource: Resource, themes: list[str]) -> None:
    resource.themes.exclude(theme__in=themes).delete()
    ResourceTheme.objects.bulk_create(
        [ResourceTheme(resource=resource, theme=theme) for theme in themes], ignore_conflicts=True
    )


def resource_create(*, actor: User, organisation: Organisation, data: ResourceData) -> Resource:
    """A coordinator or screened social broker of `organisation` adds an entry to the sociale kaart. Whoever adds
    it has just checked it: `checked_on` is today, `checked_by` the actor. A ValidationError names every bad
    field; nothing is saved then."""
    _check_keeper(actor, organisation.pk)
    clean = resource_clean(data)
    with transaction.atomic():
        resource = Resource.objects.create(
            **clean.values, organisation=organisation, checked_on=timezone.localdate(), checked_by=actor
        )
        _set_themes(resource, clean.themes)
    return resource


def resource_update(*, actor: User, resource: Resource, data: ResourceData) -> Resource:
    """A keeper of the entry's organisation changes everything it says (not who keeps it). Changing an entry
    counts as checking it. A ValidationError names every bad field; nothing is saved then."""
    _check_keeper(actor, resource.organisation_id)
    clean = resource_clean(data)
    with transaction.atomic():
        for field, value in clean.values.items():
            setattr(resource, field, value)
        resource.checked_on = timezone.localdate()
        resource.checked_by = actor
        resource.save()
        _set_themes(resource, clean.themes)
    return resource


def resource_mark_checked(*, actor: User, resource: Resource) -> Resource:
    """A keeper of the entry's organisation says it is still right today: it is no longer due for review."""
    _check_keeper(actor, resource.organisation_id)
    resource.checked_on = timezone.localdate()
    resource.checked_by = actor
    resource.save(update_fields=["checked_on", "checked_by", "updated_at"])
    return resource


def resource_import(*, actor: User, organisation: Organisation, content: bytes) -> ImportReport:
    """A coordinator of `organisation` imports a CSV file of entries (UTF-8, separated by ; or ,).

    First a dry run of every row. If any row is wrong, nothing is imported and the report names each row and
    column with what is wrong. Otherwise all rows are imported in one transaction (all or nothing): new rows are
    added; a row with the `id` of an entry of `organisation` (as in an export) changes that entry.
    """
    # community.importexport imports this module to write what it reads: at call time to break the cycle.
    from community.importexport import import_rows, read_csv

    if not coordinates(actor, organisation.pk):
        raise PermissionDenied(_("Only a coordinator of this organisation can import entries."))
    dataset, problem = read_csv(content)
    if dataset is None:
        return ImportReport(created=0, updated=0, errors=[problem])
    report = import_rows(dataset, actor=actor, organisation=organisation, dry_run=True)
    if report.errors:
        return report
    with transaction.atomic():
        report = import_rows(dataset, actor=actor, organisation=organisation, dry_run=False)
        if report.errors:
            # The file passed the dry run, so only something changing meanwhile gets here: keep nothing.
            transaction.set_rollback(True)
            return ImportReport(created=0, updated=0, errors=report.errors)
    return report
