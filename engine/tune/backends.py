"""Where trials run: this process, local worker processes, or Ray tasks on a cluster.

Every backend maps one setup over a batch of parameter dicts and returns the results in
the order asked, so a seeded search is reproducible whatever runs the trials.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol

from batchtui.engine.errors import ConfigError
from batchtui.engine.tune.trial import TrialResult, TrialSetup, evaluate

BACKENDS = ("local", "ray")
RAY_MISSING = "the ray backend needs Ray: pip install 'batchtui[ray]'"


class Backend(Protocol):
    """Runs batches of trials."""

    workers: int

    def map(self, setup: TrialSetup, batch: list[dict[str, Any]]) -> list[TrialResult]: ...

    def call(self, fn: Callable[..., Any], *args: Any, gpu: bool = False) -> Any: ...

    def close(self) -> None: ...


class Inline:
    """Trials one after another in this process (``--workers 1``)."""

    workers = 1

    def map(self, setup: TrialSetup, batch: list[dict[str, Any]]) -> list[TrialResult]:
        return [evaluate(setup, params) for params in batch]

    def call(self, fn: Callable[..., Any], *args: Any, gpu: bool = False) -> Any:
        return fn(*args)

    def close(self) -> None:
        pass


class Processes:
    """Trials in ``workers`` spawned processes (spawned: safe after torch was imported);
    they ignore Ctrl-C, which the parent handles."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_ctrl_c
        )

    def map(self, setup: TrialSetup, batch: list[dict[str, Any]]) -> list[TrialResult]:
        return list(self._pool.map(evaluate, [setup] * len(batch), batch))

    def call(self, fn: Callable[..., Any], *args: Any, gpu: bool = False) -> Any:
        return fn(*args)  # real-device runs stay here: one device, never shared

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _ignore_ctrl_c() -> None:
    """Workers leave Ctrl-C to the parent, which stops the search between batches."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Ray:
    """Trials as Ray tasks; real-device work asks Ray for a whole GPU so runs never share one."""

    def __init__(self, workers: int, address: str | None) -> None:
        try:
            import ray
        except ImportError:
            raise ConfigError("--backend", RAY_MISSING) from None
        self._ray = ray
        self._started = not ray.is_initialized()
        if self._started:
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        self.workers = max(1, int(ray.cluster_resources().get("CPU", workers)))
        self._evaluate = ray.remote(num_cpus=1)(evaluate)

    def map(self, setup: TrialSetup, batch: list[dict[str, Any]]) -> list[TrialResult]:
        ref = self._ray.put(setup)
        return self._ray.get([self._evaluate.remote(ref, params) for params in batch])

    def call(self, fn: Callable[..., Any], *args: Any, gpu: bool = False) -> Any:
        """``fn`` as a task; with ``gpu`` on a cluster that has GPUs, a whole one for itself."""
        if gpu and self._ray.cluster_resources().get("GPU", 0) >= 1:
            task = self._ray.remote(num_gpus=1)(fn)
        else:
            task = self._ray.remote(num_cpus=1)(fn)
        return self._ray.get(task.remote(*args))

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()


def make_backend(name: str, workers: int, address: str | None = None) -> Backend:
    """The backend called ``name`` with ``workers`` parallel trials."""
    if name not in BACKENDS:
        raise ConfigError("--backend", f"expected one of {', '.join(BACKENDS)}, got {name!r}")
    if name == "ray":
        return Ray(workers, address)
    if address:
        raise ConfigError("--address", "is for --backend ray")
    return Inline() if workers == 1 else Processes(workers)
