"""Organisation administrators configure which courses each kind of volunteer must complete (without any rows,
every active basic course for the volunteer's kind is required). Enrolments and attendance change only through
the training pages, which keep the waiting list and completions right."""

from __future__ import annotations

from django.contrib import admin

from training.models import Course, CourseRequirement


# The admin classes are generic in django-stubs only: subscripting them at run time needs
# django_stubs_ext.monkeypatch(), which we do not run (see accounts/admin.py).
@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "organisation", "kind", "for_kind", "theme", "active"]
    list_filter = ["kind", "active", "organisation"]
    search_fields = ["title", "organisation__name"]
    autocomplete_fields = ["organisation"]


@admin.register(CourseRequirement)
class CourseRequirementAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["organisation", "kind", "course"]
    list_filter = ["kind", "organisation"]
    search_fields = ["organisation__name", "course__title"]
    autocomplete_fields = ["organisation", "course"]
    list_select_related = ["organisation", "course"]
