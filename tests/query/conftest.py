from __future__ import annotations

import pytest

from cvatorm.wire.capabilities import clear_cache

from .fakeclient import FakeClient


@pytest.fixture
def fake() -> FakeClient:
    clear_cache()
    return FakeClient()
