"""The one shape every `<noun>_get_for(user, pk, write=False)` selector shares."""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

M = TypeVar("M", bound=Model)


def object_get_for(visible: QuerySet[M], writable: QuerySet[M], pk: int, *, write: bool) -> M:
    """The object `pk` from `visible`: 404 when it is not there (the same answer as "does not exist"), 403 when
    `write` is asked and it is not in `writable`."""
    found = visible.filter(pk=pk).first()
    if found is None:
        raise Http404
    if write and not writable.filter(pk=pk).exists():
        raise PermissionDenied
    return found
