"""A request-level lane on the wall clock: the policy forms batches in the live lane, each
batch really prefills together and decodes until its longest request ends.

The batches come from the request-level live runtime (engine/live/lane.py) with the policy
unchanged, exactly as the simulator's come from SimLane (engine/gen/request_lane.py); only
the service differs: here it runs the batch on the model and notes each token's time.
Finished sequences keep their slot, as in the simulator: every decode step computes all
the batch's sequences (one that would outgrow the model's context drops out instead).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.live_model import LiveModel
from batchtui.engine.gen.timeline import Timeline
from batchtui.engine.gen.token_log import TokenLog
from batchtui.engine.gen.workload import GenRequests
from batchtui.engine.live.lane import WallClockLane
from batchtui.engine.policies import Policy
from batchtui.engine.service.base import BatchFailed
from batchtui.engine.sim.arrivals import Arrivals


class LiveBatchGeneration:
    """Runs a whole generative batch on the model, for WallClockLane (a ServiceTime), and
    records every token's time on the lane's clock."""

    executes = True

    def __init__(self, model: LiveModel, requests: GenRequests) -> None:
        self._model = model
        self._prompt = requests.prompt.tolist()
        self._output = requests.output.tolist()
        self.now: Callable[[], float] = lambda: 0.0  # the lane's clock, set once it exists
        self.log = TokenLog(len(requests))
        self.error: ConfigError | None = None

    def duration(self, n: int, first: int = 0) -> float:
        """Prefill the batch's prompts in one call, then decode all of it until its longest
        output is complete; the seconds it took. A model error stops the run (re-raised by
        the caller after the lane)."""
        if self.error is not None:
            raise BatchFailed(self.error.message)
        start = self.now()
        try:
            self._generate(first, n)
        except ConfigError as e:
            self.error = e
            raise BatchFailed(e.message) from None
        return self.now() - start

    def _generate(self, first: int, n: int) -> None:
        model, prompt, output, log = self._model, self._prompt, self._output, self.log
        rids = list(range(first, first + n))
        states = model.prefill([(rid, 0, prompt[rid]) for rid in rids], [None] * n)
        model.sync()
        t = self.now()
        prompt_sum = sum(prompt[rid] for rid in rids)
        log.land(rids, t)
        log.step(t, n, prompt_sum)
        live = rids
        tokens = log.tokens
        for j in range(1, max(output[rid] for rid in rids)):
            # A padded sequence past the model's context drops out (its output is complete).
            keep = [i for i, rid in enumerate(live) if prompt[rid] + j <= model.max_context]
            if len(keep) < len(live):
                live, states = [live[i] for i in keep], [states[i] for i in keep]
            states = model.decode(states)
            model.sync()
            t = self.now()
            log.land((rid for rid in live if tokens[rid] < output[rid]), t)
            log.step(t, len(live), prompt_sum + n * j)

    def for_lane(self, arrivals: Arrivals | None = None) -> LiveBatchGeneration:
        return self

    def to_json(self) -> dict[str, Any]:
        return {"kind": "live"}


def serve_request_level_live(
    policy: Policy,
    model: LiveModel,
    requests: GenRequests,
    on_batches: Callable[[Any], None] | None = None,
) -> Timeline:
    """Serve every request live with ``policy`` forming the batches (unbounded queue, as in
    the simulator, so none is rejected); a model error is raised as its ConfigError.
    ``on_batches`` is shown the batch log, as by the simulator's ``run_request_level``."""
    arrivals = Arrivals()
    arrivals.extend(
        requests.times, requests.prompt, float(requests.times[-1]) if len(requests) else 0.0
    )
    arrivals.close()
    service = LiveBatchGeneration(model, requests)
    lane = WallClockLane(policy.kind, policy, service, arrivals)
    service.now = lambda: lane.now
    lane.run()
    if service.error is not None:
        raise service.error
    log = lane.log.arrays()
    if on_batches is not None:
        on_batches(log)
    return service.log.timeline(float((log.finish - log.dispatch).sum()))
