"""Page arithmetic: which page requests cover a slice, with as few requests as possible.

CVAT paginates by page number with any page size, so a slice ``[a:b]`` fits in one request
whenever some page size ``ps >= b - a`` puts ``a`` and ``b - 1`` on the same page
(``a // ps == (b - 1) // ps``); ``ps = b`` always works, so the question is only how much
over-fetching is acceptable (``max_page_size``). Otherwise two consecutive pages of size
``b - a`` always cover the slice. Nothing here walks from the first page.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Window", "covering_windows", "page_for_offset", "single_window"]


@dataclass(frozen=True)
class Window:
    """Request ``page`` (1-based) of size ``page_size``; keep ``take`` items from ``skip``."""

    page: int
    page_size: int
    skip: int
    take: int

    @property
    def first_offset(self) -> int:
        return (self.page - 1) * self.page_size


def single_window(low: int, high: int, max_page_size: int) -> Window | None:
    """The smallest page size that serves ``[low:high]`` in one request, if one is allowed."""
    if low < 0 or high <= low:
        raise ValueError(f"not a non-empty slice: [{low}:{high}]")
    size = high - low
    for page_size in range(size, max(size, max_page_size) + 1):
        if low // page_size == (high - 1) // page_size:
            page = low // page_size
            return Window(page + 1, page_size, low - page * page_size, size)
    return None


def covering_windows(low: int, high: int, max_page_size: int) -> list[Window]:
    """One window if possible, else the two pages of size ``high - low`` around the slice.

    Slices longer than ``max_page_size`` use pages of ``max_page_size``.
    """
    found = single_window(low, high, max_page_size) if high - low <= max_page_size else None
    if found is not None:
        return [found]
    size = min(high - low, max_page_size)
    windows: list[Window] = []
    offset = low
    while offset < high:
        page, skip = page_for_offset(offset, size)
        take = min(size - skip, high - offset)
        windows.append(Window(page, size, skip, take))
        offset += take
    return windows


def page_for_offset(offset: int, page_size: int) -> tuple[int, int]:
    """(1-based page, index within it) of the object at ``offset``."""
    if offset < 0 or page_size <= 0:
        raise ValueError(f"bad offset/page size: {offset}/{page_size}")
    return offset // page_size + 1, offset % page_size
