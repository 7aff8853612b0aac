from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class DichtbijAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are made by invitation (a professional adds a young person's parent, a JIM accepts a
        # nomination), so nobody can create an account that is tied to no one.
        return False
