"""Encrypt the second-factor secrets stored in plain text before encryption existed (accounts.mfa_secrets).

Only plain values are encrypted, so running it again changes nothing. Going back leaves them encrypted: the adapter
reads both.
"""

from django.db import migrations


def encrypt_plain_secrets(apps, schema_editor):
    from accounts.mfa_secrets import data_reencrypted

    Authenticator = apps.get_model("mfa", "Authenticator")
    # Locked: a recovery code used meanwhile writes the same data (which codes are used).
    for authenticator in Authenticator.objects.select_for_update().filter(type__in=["totp", "recovery_codes"]):
        new = data_reencrypted(authenticator.type, authenticator.data, plain_only=True)
        if new is not None:
            Authenticator.objects.filter(pk=authenticator.pk).update(data=new)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_accesslog_messages"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_plain_secrets, migrations.RunPython.noop)]
