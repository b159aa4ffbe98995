"""A generative session under sustained overload: every lane's waiting queue is bounded, the
arrivals beyond it are dropped and counted, a batch is its real requests (not the dropped
ones between them), and what the session holds stays flat however long it runs."""

from __future__ import annotations

import dataclasses
import tracemalloc

import numpy as np
import pytest

from batchtui.engine.gen.run import GenScenario
from batchtui.engine.load import LoadSpec
from batchtui.engine.session.gen_lanes import RequestLevelLane, batch_ranges
from batchtui.engine.session.gen_session import GenSession
from batchtui.tui.dashboard_scenario import DEFAULT_MAX_QUEUE

# Ten times what the request-level lanes serve (about 5 req/s), twice the continuous lane's.
OVERLOAD = LoadSpec(rate_rps=50.0, prompt_tokens=300.0, output_tokens=40.0, output_cv=1.0)


def test_batch_ranges_step_over_the_dropped_arrivals() -> None:
    dropped = [(2, 4), (5, 9), (12, 13)]
    assert batch_ranges(dropped, 0, 2) == [(0, 2)]
    assert batch_ranges(dropped, 0, 4) == [(0, 2), (4, 5), (9, 10)]
    assert batch_ranges(dropped, 2, 3) == [(4, 5), (9, 11)]  # the queue's head on a gap
    assert batch_ranges(dropped, 10, 4) == [(10, 12), (13, 15)]
    assert batch_ranges([], 7, 3) == [(7, 10)]


def test_an_overloaded_session_holds_as_much_after_three_minutes_as_after_one() -> None:
    session = GenSession(GenScenario(load=OVERLOAD, seed=4), max_queue=32)
    session.bound_history(5.0)
    tracemalloc.start()
    try:
        held, memory = [], []
        for minute in range(1, 4):
            for i in range(1, 121):
                session.advance_to(60.0 * (minute - 1) + 0.5 * i)
            for s in (*session.snapshot(5.0), *session.snapshot()):
                assert s.arrived == s.completed + s.rejected + s.dropped + s.in_progress
                assert s.dropped > 0.3 * s.arrived * minute / 3, s.name
            held.append(session.held())
            memory.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    arrived = session.snapshot()[0].arrived
    assert arrived > 8000
    for lane in session.lanes:
        assert max(h[lane] for h in held) < 1000, (lane, held)
    assert memory[2] < 1.5 * memory[0], memory


def test_a_batch_is_its_real_requests_when_the_queue_dropped_some_between_them() -> None:
    load = dataclasses.replace(OVERLOAD, prompt_cv=1.0)  # each request's prompt its own
    session = GenSession(GenScenario(load=load, seed=5), max_queue=8)
    for i in range(1, 201):
        session.advance_to(0.1 * i)  # no bound on history: every record is kept
    for lane in session.lanes.values():
        if not isinstance(lane, RequestLevelLane):
            continue
        times = np.array(lane._arrivals.times)
        dropped = np.concatenate([times[s:e] for s, e in lane.lane.rejected])
        served = np.array(lane.records._req["arrival"])
        assert len(np.unique(served)) == len(served) > 50  # no request served twice
        assert not np.isin(served, dropped).any(), lane.name  # none that was dropped
        assert len(served) + len(dropped) + lane.lane.queued == lane.lane.tail
        # Each batch took as long as its own requests' prefill and decode steps.
        log = lane.lane.log.arrays()
        bounds = np.cumsum(log.size)[:-1]
        for row, batch in enumerate(np.split(np.searchsorted(times, served), bounds)):
            prompts = [lane._prompt[i] for i in batch]
            outputs = [lane._output[i] for i in batch]
            took = log.finish[row] - log.dispatch[row]
            assert took == pytest.approx(lane._generation.batch_s(prompts, outputs), rel=1e-12)


def test_the_dashboard_bounds_generative_lanes_as_it_bounds_the_others() -> None:
    session = GenSession(GenScenario())
    assert session.max_queue == DEFAULT_MAX_QUEUE == 20_000
    for lane in session.lanes.values():
        if isinstance(lane, RequestLevelLane):
            assert lane.lane.max_queue == DEFAULT_MAX_QUEUE
        else:
            assert lane._scheduler.max_queue == DEFAULT_MAX_QUEUE
