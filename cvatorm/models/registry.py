"""Models by resource name, so layers and modules can refer to a model without importing it.

The query layer turns ``"tasks"`` (or a lookup through a relation) into a model class here, and
field and relation declarations name their target by resource (``related="projects"``), which
lets ``tasks.py`` and ``projects.py`` refer to each other without circular imports.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from cvatorm.exceptions import ConfigurationError

if TYPE_CHECKING:
    from cvatorm.models.base import Model

__all__ = ["Registry", "registry"]


class Registry:
    """A mapping ``resource -> model class``, filled by the model metaclass."""

    def __init__(self) -> None:
        self._models: dict[str, type[Model]] = {}
        self._lock = threading.Lock()

    def register(self, model: type[Model]) -> None:
        resource = model._meta.resource
        with self._lock:
            existing = self._models.get(resource)
            if existing is not None and existing is not model:
                raise ConfigurationError(
                    f"resource {resource!r} is already served by "
                    f"{existing.__module__}.{existing.__qualname__}"
                )
            self._models[resource] = model

    def __getitem__(self, resource: str) -> type[Model]:
        self._ensure_loaded()
        try:
            return self._models[resource]
        except KeyError:
            known = ", ".join(sorted(self._models))
            raise KeyError(f"no model for resource {resource!r} (known: {known})") from None

    def get(self, resource: str) -> type[Model] | None:
        self._ensure_loaded()
        return self._models.get(resource)

    def __contains__(self, resource: object) -> bool:
        self._ensure_loaded()
        return resource in self._models

    def __iter__(self) -> Iterator[str]:
        self._ensure_loaded()
        return iter(sorted(self._models))

    def __len__(self) -> int:
        self._ensure_loaded()
        return len(self._models)

    def models(self) -> list[type[Model]]:
        self._ensure_loaded()
        return [self._models[name] for name in sorted(self._models)]

    @staticmethod
    def _ensure_loaded() -> None:
        # Importing the package declares (and so registers) every concrete model.
        import cvatorm.models  # noqa: F401


registry = Registry()
