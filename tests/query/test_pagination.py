"""Slice arithmetic: one request whenever a page size fits, never a walk from the first page."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cvatorm.query.pagination import covering_windows, page_for_offset, single_window


def test_qs_40_60_is_page_3_of_20() -> None:
    window = single_window(40, 60, 1000)
    assert window is not None
    assert (window.page, window.page_size, window.skip, window.take) == (3, 20, 0, 20)


def test_unaligned_slice_finds_a_slightly_larger_page() -> None:
    window = single_window(45, 65, 1000)
    assert window is not None
    assert window.page_size == 22 and window.page == 3 and window.skip == 1


def test_single_index_is_a_page_of_one() -> None:
    window = single_window(999, 1000, 1000)
    assert window is not None
    assert (window.page, window.page_size, window.skip) == (1000, 1, 0)


def test_too_large_a_page_falls_back_to_two_pages_of_the_slice_size() -> None:
    # [9:11] needs a page size of at least 3 to keep both ends on one page; with a
    # maximum of 2, the two pages of size 2 around it are used.
    assert single_window(9, 11, 2) is None
    windows = covering_windows(9, 11, 2)
    assert [(w.page, w.page_size, w.skip, w.take) for w in windows] == [(5, 2, 1, 1), (6, 2, 0, 1)]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        single_window(5, 5, 10)
    with pytest.raises(ValueError):
        page_for_offset(-1, 10)


slices = st.tuples(st.integers(0, 5000), st.integers(1, 400)).map(lambda t: (t[0], t[0] + t[1]))


@settings(max_examples=300, deadline=None)
@given(slices, st.integers(1, 1200))
def test_single_window_serves_exactly_the_slice_with_the_smallest_page(
    bounds: tuple[int, int], max_page_size: int
) -> None:
    low, high = bounds
    window = single_window(low, high, max_page_size)
    if window is None:
        assert all(low // ps != (high - 1) // ps for ps in range(high - low, max_page_size + 1))
        return
    assert window.page_size >= high - low
    start = window.first_offset + window.skip
    assert start == low
    assert window.skip + window.take <= window.page_size
    assert window.take == high - low
    assert all(low // ps != (high - 1) // ps for ps in range(high - low, window.page_size))


@settings(max_examples=300, deadline=None)
@given(slices, st.integers(1, 1200))
def test_covering_windows_cover_the_slice_in_order_with_at_most_two_requests_when_small(
    bounds: tuple[int, int], max_page_size: int
) -> None:
    low, high = bounds
    windows = covering_windows(low, high, max_page_size)
    offsets = [
        offset
        for w in windows
        for offset in range(w.first_offset + w.skip, w.first_offset + w.skip + w.take)
    ]
    assert offsets == list(range(low, high))
    if high - low <= max_page_size:
        assert len(windows) <= 2
