"""Organisation administrators set the volunteer policy and which screening steps each kind of volunteer needs.
Volunteers' own records are not here: they are reached through the coordinator's pages, which check access."""

from __future__ import annotations

from django.contrib import admin

from volunteers.models import ScreeningRequirement, VolunteerPolicy


# The admin classes are generic in django-stubs only: subscripting them at run time needs
# django_stubs_ext.monkeypatch(), which we do not run (see accounts/admin.py).
@admin.register(VolunteerPolicy)
class VolunteerPolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "organisation",
        "vog_valid_years",
        "expense_yearly_maximum",
        "expense_rate_per_km",
        "retention_days",
    ]
    autocomplete_fields = ["organisation"]


@admin.register(ScreeningRequirement)
class ScreeningRequirementAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["organisation", "kind", "step"]
    list_filter = ["kind", "step", "organisation"]
    autocomplete_fields = ["organisation"]
    list_select_related = ["organisation"]
