"""Where the figures come from: each form of support as its requests and its started matches, with the same
annotated columns, so that every figure (live or in the roll-up) is one query per form over those columns.

One class per form (`Source`: `requests` and `matches`), found by the form's key in `SOURCES`. Both querysets
are scoped to the user's area and organisations (`Scope`, `Filters`) and annotated with `asked_on` (a date),
`area_id`, `organisation_ref`, `paying_ref` and `residence_ref`; matches also with `started`, `ended` (None while
running) and `end_kind` (one of END_KINDS, "" while running).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, cast

from django.db.models import Case, DateField, DurationField, ExpressionWrapper, F, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from community.models import BrokerRequest
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.states import State as MatchState
from insights.scope import Basis, Filters, Scope
from mentors.models import Mentorship
from mentors.states import State as MentorState
from respite.models import Stay
from youth.models import BuddyRequest


@dataclass(frozen=True)
class Form:
    key: str
    label: Promise
    # The kinds of ending (END_KINDS) the form's matches can have, in the order the tables show them; only read
    # for a form with a duration.
    end_kinds: tuple[str, ...] = ("ended", "stopped")
    has_duration: bool = True


JIM, SUPPORT_FAMILY, RESPITE, BUDDY, SOCIAL_BROKER = "jim", "support_family", "respite", "buddy", "social_broker"
FORMS: tuple[Form, ...] = (
    Form(JIM, _("JIM mentor"), end_kinds=("completed", "stopped")),
    Form(SUPPORT_FAMILY, _("Support family")),
    Form(RESPITE, _("Respite stay"), has_duration=False),
    Form(BUDDY, _("Buddy"), has_duration=False),
    # A broker link ends when the help is done, early, because it is no longer needed, or with the case
    # (`_broker_end_kind`); none of these is "ended as agreed".
    Form(SOCIAL_BROKER, _("Social broker"), end_kinds=("completed", "stopped", "not_needed", "case_closed")),
)
FORM_BY_KEY = {form.key: form for form in FORMS}

# A roll-up row of an ending keeps the kind as its index here: add new kinds at the end only.
END_KINDS = ("completed", "ended", "stopped", "not_needed", "case_closed")
END_KIND_LABELS: dict[str, Promise] = {
    "completed": _("completed"),
    "stopped": _("stopped early"),
    "ended": _("ended as agreed"),
    "not_needed": _("no longer needed"),
    "case_closed": _("the case was closed"),
    "cancelled": _("cancelled"),
}


def _scoped(qs: QuerySet[Any], scope: Scope, filters: Filters, person: str, organisation: str) -> QuerySet[Any]:
    municipality = f"{person}__{'paying' if filters.basis == Basis.PAYING else 'residence'}_municipality_id"
    if filters.municipality_id is not None:
        qs = qs.filter(**{municipality: filters.municipality_id})
    elif scope.municipality_ids is not None:
        qs = qs.filter(**{f"{municipality}__in": scope.municipality_ids})
    if scope.organisation_ids is not None:
        qs = qs.filter(**{f"{organisation}__in": scope.organisation_ids})
    # No default ordering: it would join every GROUP BY (and PostgreSQL refuses it).
    return cast(
        "QuerySet[Any]",
        qs.order_by().annotate(
            area_id=F(municipality),
            organisation_ref=F(organisation),
            paying_ref=F(f"{person}__paying_municipality_id"),
            residence_ref=F(f"{person}__residence_municipality_id"),
        ),
    )


def _date(expression: Any) -> ExpressionWrapper[Any]:
    return ExpressionWrapper(expression, output_field=DateField())


def days_between(later: Any, earlier: Any) -> ExpressionWrapper[Any]:
    """The duration from `earlier` to `later` in the database (read it with `statistics.as_days`)."""
    return ExpressionWrapper(later - earlier, output_field=DurationField())


class Source(Protocol):
    """A form of support as the figures see it."""

    def requests(self, scope: Scope, filters: Filters) -> QuerySet[Any]:
        """Requests for the form, annotated with `asked_on` (a date), `area_id` and `organisation_ref`."""
        ...

    def matches(self, scope: Scope, filters: Filters) -> QuerySet[Any]:
        """Started matches of the form, annotated with `asked_on`, `started`, `ended` (None while running),
        `end_kind`, `area_id` and `organisation_ref`."""
        ...


class JimSource:
    """JIM mentorships. A buddy found by matching is a mentorship too; it counts under the buddy form (its
    request), not as JIM."""

    def requests(self, scope: Scope, filters: Filters) -> QuerySet[Any]:
        jim = Mentorship.objects.filter(kind=Mentorship.Kind.JIM)
        qs = _scoped(jim, scope, filters, "young_person", "case__organisation")
        return cast("QuerySet[Any]", qs.annotate(asked_on=TruncDate("created_at")))

    def matches(self, scope: Scope, filters: Filters) -> QuerySet[Any]:
        qs = _scoped(
            Mentorship.objects.filter(kind=Mentorship.Kind.JIM, started_on__isnull=False),
            scope,
            filters,
            "young_person",
            "case__organisation",
        )
        finished = Q(state__in=[MentorState.COMPLETED, MentorState.STOPPED])
        return cast(
            "QuerySet[Any]",
            qs.annotate(
                asked_on=TruncDate("created_at"),
                started=_date(F("started_on")),
                ended=Case(When(finished, then=F("ended_on")), output_field=DateField()),
                end_kind=Case(When(finished, then=F("state")), default=Value("")),
            ),
        )


class SupportFamilySource:
    """Support requests, and the support-family matches made for them."""

    def requests(self, scope: Scope, filters: Filters) -> QuerySet[Any]:
        qs = _scoped(SupportRequest.objects.all(), scope, filters, "case__young_person", "organisation")
        return cast("QuerySet[Any]", qs.annotate(asked_on=TruncDate("created_at")))

    def matches(self, scope: Scope, filters: Filters) -> QuerySet[Any]:
        qs = _scoped(
            SupportFamilyMatch.objects.filter(started_on__isnull=False),
            scope,
            filters,
            "request__case__young_person",
            "request__organisation",
        )
        finished = Q(state__in=[MatchState.ENDED, MatchState.STOPPED])
        return cast(
            "QuerySet[Any]",
            qs.annotate(
                asked_on=TruncDate("request__created_at"),
                started=_date(F("started_on")),
                ended=Case(When(finished, then=F("ended_on")), output_field=DateField()),
                end_kind=Case(When(finished, then=F("state")), default=Value("")),
            ),
        )


class RespiteSource:
    """Respite stays: every stay is a request, a confirmed one a match from arrival to departure."""

    def requests(self, scope: Scope, filters: Filters) -> QuerySet[Any]:
        qs = _scoped(Stay.objects.all(), scope, filters, "case__young_person", "option__organisation")
        return cast("QuerySet[Any]", qs.annotate(asked_on=TruncDate("created_at")))

    def matches(self, scope: Scope, filters: Filters) -> QuerySet[Any]:
        qs = _scoped(
            Stay.objects.filter(status=Stay.Status.CONFIRMED),
            scope,
            filters,
            "case__young_person",
            "option__organisation",
        )
        return cast(
            "QuerySet[Any]",
            qs.annotate(
                asked_on=TruncDate("created_at"),
                started=_date(F("arrival")),
                ended=_date(F("departure")),
                end_kind=Value("ended"),
            ),
        )


class BuddySource:
    """Buddy requests; a matched one is a match that has no end."""

    def requests(self, scope: Scope, filters: Filters) -> QuerySet[Any]:
        qs = _scoped(BuddyRequest.objects.all(), scope, filters, "young_person", "case__organisation")
        return cast("QuerySet[Any]", qs.annotate(asked_on=TruncDate("requested_at")))

    def matches(self, scope: Scope, filters: Filters) -> QuerySet[Any]:
        qs = _scoped(
            BuddyRequest.objects.filter(status=BuddyRequest.Status.MATCHED, status_changed_at__isnull=False),
            scope,
            filters,
            "young_person",
            "case__organisation",
        )
        return cast(
            "QuerySet[Any]",
            qs.annotate(
                asked_on=TruncDate("requested_at"),
                started=TruncDate("status_changed_at"),
                ended=Value(None, output_field=DateField()),
                end_kind=Value(""),
            ),
        )


class SocialBrokerSource:
    """Social-broker requests; a match is a request a broker was linked to."""

    def requests(self, scope: Scope, filters: Filters) -> QuerySet[Any]:
        # `asked_on` is a date field of the request itself.
        return _scoped(BrokerRequest.objects.all(), scope, filters, "case__young_person", "case__organisation")

    def matches(self, scope: Scope, filters: Filters) -> QuerySet[Any]:
        # One that ended unlinked (no broker found, no longer needed before a link) never started, so it is a
        # request but no match and no ending.
        qs = _scoped(
            BrokerRequest.objects.filter(linked_on__isnull=False),
            scope,
            filters,
            "case__young_person",
            "case__organisation",
        )
        return cast(
            "QuerySet[Any]",
            qs.annotate(started=_date(F("linked_on")), ended=_date(F("ended_on")), end_kind=_broker_end_kind()),
        )


def _broker_end_kind() -> Case:
    """The END_KINDS kind of a broker link that ended: done is completed; no longer needed and the case closing
    are their own kinds (neither is the family's choice nor a planned end); the family stopping is stopped
    early, and so is any other reason of a linked request (no broker found after all: the link fell away)."""
    reason = BrokerRequest.EndReason
    return Case(
        When(ended_on__isnull=True, then=Value("")),
        When(end_reason=reason.DONE, then=Value("completed")),
        When(end_reason=reason.NOT_NEEDED, then=Value("not_needed")),
        When(end_reason=reason.CASE_CLOSED, then=Value("case_closed")),
        default=Value("stopped"),
    )


SOURCES: dict[str, Source] = {
    JIM: JimSource(),
    SUPPORT_FAMILY: SupportFamilySource(),
    RESPITE: RespiteSource(),
    BUDDY: BuddySource(),
    SOCIAL_BROKER: SocialBrokerSource(),
}


def _source(form: str) -> Source:
    try:
        return SOURCES[form]
    except KeyError:
        raise ValueError(form) from None


def requests_of(form: str, scope: Scope, filters: Filters) -> QuerySet[Any]:
    """Requests for a form, annotated with `asked_on` (a date), `area_id` and `organisation_ref`."""
    return _source(form).requests(scope, filters)


def matches_of(form: str, scope: Scope, filters: Filters) -> QuerySet[Any]:
    """Started matches of a form, annotated with `asked_on`, `started`, `ended` (None while running), `end_kind`,
    `area_id` and `organisation_ref`."""
    return _source(form).matches(scope, filters)
