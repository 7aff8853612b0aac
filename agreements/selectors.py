"""Reads of agreements. Who may see an agreement is the owning app's decision: these selectors take a subject
the caller has already authorised (e.g. through `hostfamilies.selectors.match_get_for`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, Model, OuterRef, Prefetch
from django.utils.functional import Promise

from accounts.selectors import AnyUser
from agreements.kinds import AgreementKind, kind_of
from agreements.models import Agreement, AgreementSignature, AgreementVersion


@dataclass
class VersionView:
    """One version as the page shows it: its texts in the kind's order, with the kind's labels."""

    version: AgreementVersion
    parts: list[tuple[Promise, str]]
    signatures: list[AgreementSignature]
    # Replaced by a newer version before everyone agreed: it never came into force.
    replaced: bool = False

    @property
    def waiting_for(self) -> list[AgreementSignature]:
        return [signature for signature in self.signatures if signature.agreed_at is None]


@dataclass
class AgreementOverview:
    kind: AgreementKind
    agreement: Agreement | None = None
    versions: list[VersionView] = field(default_factory=list)  # newest first
    in_force: VersionView | None = None
    pending: VersionView | None = None  # the newest version, while not everyone agreed to it
    # The version in force, while someone who became a party after it came into force has not agreed to it yet.
    joined_later: list[AgreementSignature] = field(default_factory=list)
    user_must_agree: bool = False  # the user is asked to agree to the pending version and has not yet


def _subject_filter(subject: Model) -> dict[str, object]:
    return {"content_type": ContentType.objects.get_for_model(subject), "object_id": subject.pk}


def agreement_of(subject: Model) -> Agreement | None:
    """The agreement attached to `subject`, or None when nobody proposed one yet. One query (content types are
    cached by Django)."""
    return Agreement.objects.filter(**_subject_filter(subject)).first()


def agreement_versions(agreement: Agreement) -> list[AgreementVersion]:
    """Every version, newest first, with its signatures prefetched: two queries however many versions and parties.
    A snapshot, not a lock: a service re-reads under the agreement's row lock before deciding anything."""
    signatures = Prefetch("signatures", queryset=AgreementSignature.objects.order_by("pk"))
    return list(agreement.versions.order_by("-number").prefetch_related(signatures))


def agreementversion_in_force(agreement: Agreement) -> AgreementVersion | None:
    """The version in force: the newest one that every party agreed to. One query."""
    return agreement.versions.filter(in_force_at__isnull=False).order_by("-number").first()


def agreementversion_pending(agreement: Agreement) -> AgreementVersion | None:
    """The newest version while it still waits for someone's yes; None when the newest is in force. One query."""
    newest = agreement.versions.order_by("-number").first()
    return newest if newest is not None and newest.in_force_at is None else None


def agreement_awaits(user: AnyUser, agreement: Agreement) -> bool:
    """Whether `user` still has to agree to the pending version. One or two queries."""
    pending = agreementversion_pending(agreement)
    if pending is None or not user.is_authenticated:
        return False
    return pending.signatures.filter(user_id=user.pk, agreed_at__isnull=True).exists()


def agreement_in_force_exists(subject: Model) -> bool:
    """Whether some version of the subject's agreement is in force. One query. Inside a service, call it after
    taking the subject's row lock; `in_force_at` is only ever set, never cleared, so a yes cannot be lost."""
    return AgreementVersion.objects.filter(
        agreement__content_type=ContentType.objects.get_for_model(subject),
        agreement__object_id=subject.pk,
        in_force_at__isnull=False,
    ).exists()


def agreement_overview(subject: Model, kind: str, user: AnyUser) -> AgreementOverview:
    """Everything the shared partial (agreements/_agreement.html) shows for `subject`, read for `user`: the version
    in force, the pending one with who agreed, whether the user still has to agree, and the full history. Three
    queries at most, however many versions and signatures. Nothing is locked: a page read."""
    spec = kind_of(kind)
    agreement = agreement_of(subject)
    overview = AgreementOverview(kind=spec, agreement=agreement)
    if agreement is None:
        return overview
    versions = agreement_versions(agreement)
    for position, version in enumerate(versions):
        signatures = list(version.signatures.all())
        view = VersionView(
            version=version,
            parts=[(section.label, str(version.sections.get(section.key, ""))) for section in spec.sections],
            signatures=signatures,
            replaced=position > 0 and version.in_force_at is None,
        )
        overview.versions.append(view)
        if version.in_force_at is not None and overview.in_force is None:
            overview.in_force = view
    newest = overview.versions[0] if overview.versions else None
    if newest is not None and newest.version.in_force_at is None:
        overview.pending = newest
    elif newest is not None:
        overview.joined_later = newest.waiting_for
    if newest is not None:
        overview.user_must_agree = user.is_authenticated and any(
            signature.user_id == user.pk for signature in newest.waiting_for
        )
    return overview


def agreement_current_texts(subject: Model) -> dict[str, str] | None:
    """The texts of the newest version of the subject's agreement (to start a change from), or None when there is
    no version yet. One query."""
    newest = (
        AgreementVersion.objects.filter(
            agreement__content_type=ContentType.objects.get_for_model(subject), agreement__object_id=subject.pk
        )
        .order_by("-number")
        .first()
    )
    return dict(newest.sections) if newest is not None else None


def agreementversion_of(subject: Model, pk: int) -> AgreementVersion | None:
    """Version `pk` of the subject's agreement, or None when it is no version of this subject's agreement (so an id
    sent by a browser cannot reach another subject's agreement). One query."""
    return AgreementVersion.objects.filter(
        pk=pk, agreement__content_type=ContentType.objects.get_for_model(subject), agreement__object_id=subject.pk
    ).first()


@dataclass(frozen=True)
class WaitingSignature:
    """A version that waits for this user's yes: which agreement (its kind and subject) and as whom they agree.
    The owning app decides whether the user still sees the subject and where its page is."""

    kind: str
    object_id: int
    party: str
    version_number: int


def agreements_waiting_for(user: AnyUser) -> list[WaitingSignature]:
    """Every agreement whose newest version still waits for `user`'s yes, also when it is in force and the user
    joined later (a replaced version no longer counts: its successor asks again), oldest first. One query, however
    many agreements. For the home page's "to do" list; the owning app filters the subjects the user may still act
    on."""
    if not user.is_authenticated:
        return []
    newer = AgreementVersion.objects.filter(
        agreement_id=OuterRef("version__agreement_id"), number__gt=OuterRef("version__number")
    )
    rows = (
        # A version in force can still wait for someone who became a party after it (a young person's new account).
        AgreementSignature.objects.filter(user_id=user.pk, agreed_at__isnull=True)
        .filter(~Exists(newer))
        .order_by("version__proposed_at", "pk")
        .values_list("version__agreement__kind", "version__agreement__object_id", "party", "version__number")
    )
    return [WaitingSignature(kind, object_id, party, number) for kind, object_id, party, number in rows]
