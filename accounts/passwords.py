"""Django's password rules with our own wording: Django's Dutch says "u" and lags behind its English texts, while
everyone here is addressed as "je" in plain (B1) Dutch."""

from __future__ import annotations

from django.contrib.auth import password_validation as django_rules
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MinimumLengthValidator(django_rules.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short. Use at least %(min_length)d character.",
            "This password is too short. Use at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "Use at least %(min_length)d character.", "Use at least %(min_length)d characters.", self.min_length
        ) % {"min_length": self.min_length}


class UserAttributeSimilarityValidator(django_rules.UserAttributeSimilarityValidator):
    def get_error_message(self) -> str:
        return _("This password looks too much like your %(verbose_name)s.")

    def get_help_text(self) -> str:
        return _("Do not use your name or email address in your password.")


class CommonPasswordValidator(django_rules.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return _("Many people use this password. Choose another one.")

    def get_help_text(self) -> str:
        return _("Do not use a password that many people use.")


class NumericPasswordValidator(django_rules.NumericPasswordValidator):
    def get_error_message(self) -> str:
        return _("Use letters too, not only numbers.")

    def get_help_text(self) -> str:
        return _("Use letters too, not only numbers.")
