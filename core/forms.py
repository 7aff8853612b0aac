"""Form helpers shared by all apps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import Form
from django.utils.translation import gettext_lazy as _


def add_service_errors(form: Form, error: ValidationError, *, default_field: str | None = None) -> None:
    """Show a service's ValidationError on the form: per field where it names one, else on `default_field`."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else default_field, message)
    else:
        for message in error.messages:
            form.add_error(default_field, message)


class DateInput(forms.DateInput):
    """The browser's date picker. It reads and writes ISO dates whatever the page's language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """The browser's date and time picker; it reads and sends this format whatever the page's language."""

    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ListSearchForm(forms.Form):
    """The search box above a list that grows with the region (core.paging). Lists add their own filters; every
    field is optional, so an empty form shows everything."""

    q = forms.CharField(label=_("Search by name or place"), required=False, max_length=100)

    def value(self, name: str) -> Any:
        """The cleaned value of a field, or its empty value when the form is not valid (a filter that cannot be
        read filters nothing; its error is shown beside it)."""
        self.is_valid()  # cleans a bound form; a field that failed is left out of cleaned_data
        return getattr(self, "cleaned_data", {}).get(name)
