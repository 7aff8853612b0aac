"""Young people's records are not in the admin site; youth only tells it whose accounts to leave out."""

from accounts.admin import care_clients_register
from youth.parties import family_accounts

# The admin neither lists, finds nor opens the accounts of young people and parents (accounts/admin.py).
care_clients_register(family_accounts)
