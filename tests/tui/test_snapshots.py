"""Pictures of the dashboard in a fixed, paused state at every size from 80x24 to 220x60.

The engine is replaced by one that hands over a single snapshot computed in-process from
a seeded simulation (tests/tui/fixed_engine.py), so every run draws exactly the same
figures. Update the pictures after an intended change with
``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.tui.fixed_engine import SIZES, fixed_app, settle


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_paused_dashboard_looks_the_same(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(fixed_app(), terminal_size=size, run_before=settle)


def test_an_overloaded_dashboard_at_80x24_looks_the_same(snap_compare: Any) -> None:
    assert snap_compare(fixed_app(overloaded=True), terminal_size=(80, 24), run_before=settle)
