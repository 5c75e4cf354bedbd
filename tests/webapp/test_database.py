"""The cycle collector's pause around bulk loads (webapp.database.cycle_collection_paused)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from webapp.database import cycle_collection_paused


@pytest.fixture(autouse=True)
def _collector_as_found() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


def test_the_collector_is_off_inside_and_on_again_after() -> None:
    gc.enable()
    with cycle_collection_paused():
        assert not gc.isenabled()
        with cycle_collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block does not switch it on under the outer one
    assert gc.isenabled()


def test_an_error_in_the_block_switches_it_on_again() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), cycle_collection_paused():
        raise RuntimeError("kapot")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with cycle_collection_paused():
        pass
    assert not gc.isenabled()
