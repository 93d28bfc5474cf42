"""Factories for tests, one module per app (``tests/factories/<app>.py``)."""
