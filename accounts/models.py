"""People who log in, the organisations they work for, and the places those organisations serve."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.phones import normalise_phone


class Region(models.Model):
    """A youth-care region: municipalities that buy care together (e.g. Holland Rijnland)."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A Dutch municipality (gemeente); responsible for youth care since the Jeugdwet of 2015."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("region")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    class Kind(models.TextChoices):
        CARE_PROVIDER = "care_provider", _("Care provider")
        LOCAL_TEAM = "local_team", _("Local team")
        VOLUNTEER_ORGANISATION = "volunteer_organisation", _("Volunteer organisation")

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # Local teams go by many names (jeugd- en gezinsteam, wijkteam, buurtteam): each organisation sets its own.
    team_label = models.CharField(
        _("name for a team"), max_length=60, blank=True, help_text=_("For example: wijkteam or jeugd- en gezinsteam.")
    )
    municipalities = models.ManyToManyField(
        Municipality, related_name="organisations", blank=True, verbose_name=_("municipalities served")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="teams", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=150)
    municipalities = models.ManyToManyField(Municipality, related_name="teams", blank=True, verbose_name=_("area"))

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_unique_name_per_organisation")
        ]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str | None = None, password: str | None = None, **extra: Any) -> User:
        # An account reachable only by phone has no email address: NULL, never "", so that it collides with nobody.
        user = self.model(email=self.normalize_email(email) or None, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str | None = None, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """Anyone who logs in. What they may do comes from their roles, never from flags on this model."""

    class Contact(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message (SMS)")

    username = None  # type: ignore[assignment]
    # Optional: a young person invited by SMS may have no email address and logs in with a code sent to the phone.
    # Stored as NULL when missing (never ""), so unique holds among the accounts that have one.
    email = models.EmailField(_("email address"), unique=True, null=True, blank=True)  # type: ignore[assignment]
    # One form (+CC…, accounts.phones.normalise_phone) and one account per number: a login code sent to a number must
    # reach exactly one person.
    phone = models.CharField(_("mobile number"), max_length=20, blank=True)
    # The person showed that the number is theirs: by typing a code sent to it (a login by code), or by accepting an
    # invitation that was sent to it by SMS. A number someone else wrote down is not verified until then.
    phone_verified = models.BooleanField(_("mobile number verified"), default=False)
    contact_preference = models.CharField(
        _("how we reach you"), max_length=10, choices=Contact.choices, default=Contact.EMAIL
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=~models.Q(phone=""),
                name="user_unique_phone",
                violation_error_message=_("Another account already has this mobile number."),
            ),
            # A missing address is NULL; "" would collide with the next account without one.
            models.CheckConstraint(condition=~models.Q(email=""), name="user_email_null_not_empty"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email or self.phone or f"#{self.pk}"

    def clean(self) -> None:
        # Django's own clean() turns a missing address into "": store NULL instead (see `email`).
        super().clean()
        self.email = self.email or None
        self.phone = normalise_phone(self.phone)
        if not self.email and not self.phone:
            raise ValidationError(
                _("Write an email address or a mobile number: without one this person cannot log in.")
            )
        if self.phone and User.objects.filter(phone=self.phone).exclude(pk=self.pk).exists():
            # The constraint says the same, but on the form's field rather than above the form.
            raise ValidationError({"phone": _("Another account already has this mobile number.")})


class Role(models.TextChoices):
    YOUNG_PERSON = "young_person", _("Young person")
    PARENT = "parent", _("Parent or guardian")
    MENTOR = "mentor", _("Mentor")
    VOLUNTEER = "volunteer", _("Volunteer")
    PROFESSIONAL = "professional", _("Professional")
    COORDINATOR = "coordinator", _("Coordinator")
    ANALYST = "analyst", _("Analyst")
    ADMIN = "admin", _("Administrator")


# Roles that see many people's records: they must use a second factor and get a short idle timeout.
STAFF_ROLES = frozenset({Role.PROFESSIONAL, Role.COORDINATOR, Role.ANALYST, Role.ADMIN})
# Roles that act for an organisation and so need one on their role assignment.
ORGANISATION_ROLES = frozenset({Role.PROFESSIONAL, Role.COORDINATOR, Role.VOLUNTEER})
# The roles the admin site may grant (README, "Accounts and security"): the staff of organisations and regions.
# Young people, parents, mentors and volunteers get theirs in the product's own flows, where someone answers for
# them (a professional adds a parent, a coordinator takes on a volunteer, a young person nominates a JIM).
ADMIN_GRANTABLE_ROLES = frozenset({Role.PROFESSIONAL, Role.COORDINATOR, Role.ANALYST, Role.ADMIN})
# Roles that work with young people's records. An administrator never holds one (nor gives one to himself): the one
# who manages accounts cannot make himself a reader of a child's file.
CARE_ROLES = frozenset(Role) - {Role.ANALYST, Role.ADMIN}


class RoleAssignment(models.Model):
    """One role of a user, in an organisation where the role is tied to one. A user may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("organisation"),
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="members", verbose_name=_("team")
    )
    # An analyst sees figures for an area, not an organisation.
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("region")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organisation"],
                condition=models.Q(organisation__isnull=False),
                name="roleassignment_unique_role_per_organisation",
            ),
            # NULLs are distinct in a unique index, so roles without an organisation need their own constraint.
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(organisation__isnull=True),
                name="roleassignment_unique_role_without_organisation",
            ),
        ]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        where = f" ({self.organisation})" if self.organisation_id else ""
        return f"{self.get_role_display()}{where}"


class RoleGrantLogQuerySet(models.QuerySet["RoleGrantLogEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The role grant log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The role grant log is append-only.")


class RoleGrantLogEntry(models.Model):
    """A role given, changed or taken away in the admin site: who did it, to whom, which role, when.

    A model of its own rather than the access log: the access log records who saw a young person's record
    (NEN 7513) and every row there names one; a role grant names no young person, and is read by whoever audits
    the administrators, not by the family. Append-only like the access log; names are kept as snapshots.
    """

    class Action(models.TextChoices):
        GRANTED = "granted", _("granted")
        CHANGED = "changed", _("changed")
        REMOVED = "removed", _("removed")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("by whom"))
    actor_name = models.CharField(_("by whom"), max_length=300)
    # Accounts are deactivated, never deleted (like the access log's actor); the snapshot says who it was then.
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("to whom"))
    user_email = models.CharField(_("to whom"), max_length=254)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organisation = models.CharField(_("organisation"), max_length=150, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)

    objects = RoleGrantLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("The role grant log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The role grant log is append-only.")
