from __future__ import annotations

import pytest

from .fakeclient import FakeClient


@pytest.fixture
def fake() -> FakeClient:
    return FakeClient()
