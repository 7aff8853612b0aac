"""Reads of respite options and stays.

Who sees an option: every professional, coordinator and parent sees the active ones (to book a stay); the
coordinators of the option's organisation also see its inactive ones and are the only ones who change it.

Who sees a stay: the coordinators of the option's organisation, whoever works on the child's case
(`youth.selectors.case_writable_by`) and the parents and guardians with custody of the child. Only the
coordinators decide on a stay (`write`); the others may still cancel it through the service, which checks them.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q, QuerySet

from accounts.models import Role
from accounts.selectors import AnyUser, has_role, organisation_ids_where
from core.selectors import object_get_for
from hostfamilies.models import RespiteOption, Stay
from youth.models import Guardianship
from youth.selectors import case_writable_by

__all__ = [
    "nights_booked",
    "respiteoption_get_for",
    "respiteoption_visible_to",
    "respiteoption_writable_by",
    "stay_get_for",
    "stay_visible_to",
    "stay_writable_by",
]


def respiteoption_writable_by(user: AnyUser) -> QuerySet[RespiteOption]:
    """Options the user runs: those of the organisations where they are a coordinator."""
    if not user.is_authenticated:
        return RespiteOption.objects.none()
    return RespiteOption.objects.filter(organisation_id__in=organisation_ids_where(user, Role.COORDINATOR))


def respiteoption_visible_to(user: AnyUser) -> QuerySet[RespiteOption]:
    """Options the user may see: active ones for anyone who may book (professional, coordinator, parent), and
    every option of the organisations where the user is a coordinator."""
    if not user.is_authenticated:
        return RespiteOption.objects.none()
    scope = Q(organisation_id__in=organisation_ids_where(user, Role.COORDINATOR))
    if has_role(user, Role.PROFESSIONAL, Role.COORDINATOR, Role.PARENT):
        scope |= Q(active=True)
    return RespiteOption.objects.filter(scope)


def respiteoption_get_for(user: AnyUser, pk: int, write: bool = False) -> RespiteOption:
    """One option: 404 when invisible to the user, 403 when `write` is asked and the user is not its coordinator."""
    visible = respiteoption_visible_to(user).select_related("organisation", "volunteer__user")
    return object_get_for(visible, respiteoption_writable_by(user), pk, write=write)


def stay_writable_by(user: AnyUser) -> QuerySet[Stay]:
    """Stays the user decides on: those at options of the organisations where they are a coordinator."""
    if not user.is_authenticated:
        return Stay.objects.none()
    return Stay.objects.filter(option__organisation_id__in=organisation_ids_where(user, Role.COORDINATOR))


def stay_visible_to(user: AnyUser) -> QuerySet[Stay]:
    """Stays the user takes part in: as coordinator of the option's organisation, as someone who works on the
    child's case, or as a parent or guardian with custody of the child."""
    if not user.is_authenticated:
        return Stay.objects.none()
    custody = Guardianship.objects.filter(guardian_id=user.pk, has_custody=True).values("young_person_id")
    return Stay.objects.filter(
        Q(option__organisation_id__in=organisation_ids_where(user, Role.COORDINATOR))
        | Q(case__in=case_writable_by(user).values("pk"))
        | Q(case__young_person__in=custody)
    )


def stay_get_for(user: AnyUser, pk: int, write: bool = False) -> Stay:
    """One stay: 404 when invisible to the user, 403 when `write` is asked and the user is not a coordinator of the
    option's organisation."""
    visible = stay_visible_to(user).select_related("option__organisation", "case__young_person", "requested_by")
    return object_get_for(visible, stay_writable_by(user), pk, write=write)


def nights_booked(option: RespiteOption, month_start: date, month_end: date) -> dict[date, int]:
    """Beds taken by confirmed stays on each night from `month_start` up to and including `month_end`: every
    night in that range is a key (0 when free).

    One query for any range. Not a lock: a service that confirms a stay counts again under the option's row lock.
    """
    nights = {month_start + timedelta(days=n): 0 for n in range((month_end - month_start).days + 1)}
    if not nights:
        return nights
    stays = Stay.objects.filter(
        option=option, status=Stay.Status.CONFIRMED, arrival__lte=month_end, departure__gt=month_start
    ).values_list("arrival", "departure")
    for arrival, departure in stays:
        night = max(arrival, month_start)
        while night < departure and night <= month_end:
            nights[night] += 1
            night += timedelta(days=1)
    return nights
