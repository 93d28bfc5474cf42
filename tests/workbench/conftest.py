"""The workbench's fixtures (data in ``tests/workbench/data.py``, shared with the browser tests)."""

import pytest
from django.test import Client

from .data import build_wb


@pytest.fixture
def wb(tree):
    return build_wb(tree)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def login():
    return client_for
