"""Config: the documented defaults, validation, derivation."""

from __future__ import annotations

from pathlib import Path

import pytest

from cvatorm.connection import Config
from cvatorm.connection.config import default_cache_dir
from cvatorm.exceptions import ConfigurationError


def test_defaults() -> None:
    config = Config()
    assert config.status_check_period == 5.0
    assert config.allow_unsupported_server is True
    assert config.verify_ssl is None
    assert config.cache_dir == default_cache_dir()
    assert config.cache_dir.name == "cvatorm"
    assert config.timeout == (10.0, 120.0)
    assert (config.max_retries, config.backoff_base, config.backoff_cap) == (3, 0.5, 30.0)


def test_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "cvatorm"


def test_cache_dir_accepts_strings() -> None:
    assert Config(cache_dir="~/x").cache_dir == Path("~/x").expanduser()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "options",
    [
        {"status_check_period": 0},
        {"connect_timeout": -1},
        {"read_timeout": "10"},
        {"max_retries": -1},
        {"max_retries": 1.5},
        {"backoff_base": -0.1},
        {"verify_ssl": 3},
        {"allow_unsupported_server": True, "nonsense": 1},
    ],
)
def test_invalid_options(options: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        Config.from_options(options)


def test_config_is_immutable_and_derivable() -> None:
    config = Config()
    with pytest.raises(AttributeError):
        config.max_retries = 5  # type: ignore[misc]
    derived = config.replace(max_retries=5)
    assert (config.max_retries, derived.max_retries) == (3, 5)
    assert derived.cache_dir == config.cache_dir
