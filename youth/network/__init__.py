"""The young person's network map: people in three rings, the ordered choice of a mentor, network searches and
buddy requests (`/jongeren/<id>/netwerk/`). Its models stay in `youth/models.py`."""
