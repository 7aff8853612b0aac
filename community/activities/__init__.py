"""Group activities: activities planned by coordinators and social brokers (GroupActivity) and the families signed
up for them (ActivitySignUp), with their pages under /sociale-kaart/activiteiten/. The models live in
community/models.py."""
