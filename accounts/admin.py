"""The admin site manages organisations, places and the accounts of people who work with Dichtbij.

Young people's records are not in it: those are reached only through the pages that check access and write the
access log. Nor are the accounts of young people and parents (their name, email and phone say that someone is a
youth-care client): the admin neither lists, finds nor opens them (404, the same answer as "does not exist"), in
the user admin, the email addresses or the second factors. Roles given here are only analyst and administrator,
never to oneself, and every grant is logged (`RoleGrantLogEntry`); care roles come from the product's own flows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict, cast

from allauth.account.admin import EmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    ADMIN_GRANTABLE_ROLES,
    Municipality,
    Organisation,
    Region,
    Role,
    RoleAssignment,
    RoleGrantLogEntry,
    Team,
    User,
)
from accounts.services import (
    role_admin_refusal,
    role_assignment_remove_by_admin,
    role_assignment_save_by_admin,
    user_deactivate,
)

# Who is a young person or a parent is youth's rule (youth.parties.family_accounts), and youth sits above accounts:
# youth's admin module hands it in when the admin site loads its modules (youth/admin.py).
_family_accounts: list[Callable[[], QuerySet[User]]] = []


def care_clients_register(family_accounts: Callable[[], QuerySet[User]]) -> None:
    """Register how the accounts of young people and parents are found (the admin leaves them out)."""
    _family_accounts[:] = [family_accounts]


class _Pk(TypedDict):
    pk: int


def care_clients() -> QuerySet[User, _Pk]:
    """Young people and parents (youth.parties.family_accounts, registered), as a subquery of ids."""
    assert _family_accounts, "youth registers its rule when the admin site loads (youth/admin.py)"
    return _family_accounts[0]().values("pk")


# Django's admin, form and formset classes are generic in django-stubs only: subscripting them at run time needs
# django_stubs_ext.monkeypatch(), which we do not run. Hence `type: ignore[type-arg]` on the classes below.
class HidesCareClients(admin.ModelAdmin):  # type: ignore[type-arg]
    """Leaves out every row that belongs to a young person's or parent's account (`user_field` points to it)."""

    user_field = "user"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).exclude(**{f"{self.user_field}__in": care_clients()})

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        # Django's admin redirects to its index for a missing object; a hidden one answers like one that does not
        # exist anywhere in Dichtbij.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


class RoleAssignmentForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = RoleAssignment
        fields = ["role", "organisation", "team", "region"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the roles the admin may give can be chosen; the model's validation refuses any other value.
        cast(forms.ChoiceField, self.fields["role"]).choices = [("", "---------")] + [
            (role.value, role.label) for role in Role if role in ADMIN_GRANTABLE_ROLES
        ]


class RoleAssignmentFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    actor: User

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            # Django's own test whether the form is marked for deletion (private, so not in django-stubs).
            if not form.has_changed() and not self._should_delete_form(form):  # type: ignore[attr-defined]
                continue
            role = form.cleaned_data.get("role") or form.instance.role
            refusal = role_admin_refusal(actor=self.actor, user=self.instance, role=role) if role else None
            if refusal is not None:
                raise ValidationError(refusal)


class RoleAssignmentInline(admin.TabularInline):  # type: ignore[type-arg]
    """Only the roles the admin may give are shown here; the care roles are listed on the page, read-only."""

    model = RoleAssignment
    form = RoleAssignmentForm
    formset = RoleAssignmentFormSet
    extra = 0
    autocomplete_fields = ["organisation", "team", "region"]
    verbose_name = _("role given in the admin")
    verbose_name_plural = _("roles given in the admin (staff of organisations and regions)")

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoleAssignment]:
        return super().get_queryset(request).filter(role__in=ADMIN_GRANTABLE_ROLES)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = cast(type[RoleAssignmentFormSet], super().get_formset(request, obj, **kwargs))
        assert isinstance(request.user, User)
        formset.actor = request.user
        return formset

    # Nobody changes their own roles, not even in a form that was built before.
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and not _is_self(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and not _is_self(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and not _is_self(request, obj)


def _is_self(request: HttpRequest, obj: Any) -> bool:
    return isinstance(obj, User) and obj.pk == request.user.pk


@admin.register(User)
class UserAdmin(HidesCareClients, DjangoUserAdmin):  # type: ignore[type-arg]
    user_field = "pk"
    ordering = ["email"]
    list_display = ["email", "phone", "first_name", "last_name", "is_active"]
    search_fields = ["email", "phone", "first_name", "last_name"]
    inlines = [RoleAssignmentInline]
    readonly_fields = ["roles_from_the_product"]
    fieldsets = (
        (None, {"fields": ("email", "phone", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "contact_preference")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "roles_from_the_product")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "phone", "password1", "password2")}),)
    actions = ["deactivate"]

    @admin.display(description=_("Roles given in Dichtbij itself"))
    def roles_from_the_product(self, obj: User) -> str:
        roles = [str(a) for a in obj.roles.exclude(role__in=ADMIN_GRANTABLE_ROLES).select_related("organisation")]
        return ", ".join(roles) or "-"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if _is_self(request, obj):
            # Nor does anyone make themselves a superuser or switch their own account off here.
            fields += ["is_active", "is_staff", "is_superuser"]
        return fields

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            user_deactivate(user=obj)  # also closes the person's open chat windows

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not RoleAssignment:
            super().save_formset(request, form, formset, change)
            return
        assert isinstance(request.user, User)
        for assignment in formset.save(commit=False):
            role_assignment_save_by_admin(actor=request.user, assignment=assignment)
        for assignment in formset.deleted_objects:
            role_assignment_remove_by_admin(actor=request.user, assignment=assignment)

    @admin.action(description=_("Deactivate the selected accounts"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset.filter(is_active=True):
            user_deactivate(user=user)
        self.message_user(request, _("The accounts are deactivated."))


@admin.register(RoleGrantLogEntry)
class RoleGrantLogEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: who gave or took away which role in the admin, to whom, when."""

    list_display = ("at", "actor_name", "action", "role", "user_email", "organisation", "region")
    list_filter = ["action", "role"]
    search_fields = ["actor_name", "user_email"]
    fields = list_display

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(HidesCareClients):
    """Second factors of staff: which kind, since when, last used, and removable when someone lost their phone. The
    secret itself (allauth's `data`) is never shown nor editable, not even encrypted."""

    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__email", "user__phone"]
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class HiddenCareClientsEmailAddressAdmin(HidesCareClients, EmailAddressAdmin):
    pass


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    search_fields = ["name"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "region"]
    list_filter = ["region"]
    search_fields = ["name"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "kind", "team_label"]
    list_filter = ["kind"]
    search_fields = ["name"]
    filter_horizontal = ["municipalities"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "organisation"]
    search_fields = ["name"]
    filter_horizontal = ["municipalities"]
