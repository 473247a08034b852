"""Fixtures of the models' unit tests: a recording fake client and asset objects."""

from __future__ import annotations

import pytest

from .fakes import FakeClient


@pytest.fixture
def fake() -> FakeClient:
    return FakeClient()
