"""From a model description to the service-time source that times its batches."""

from __future__ import annotations

from collections.abc import Callable

from batchtui.engine.errors import ConfigError
from batchtui.engine.models.spec import ModelSpec
from batchtui.engine.service.analytic import AnalyticCost
from batchtui.engine.service.base import ServiceTime
from batchtui.engine.service.profile import ProfileCost, load_profile

SERVICE_MODES = ("auto", "real", "profile")
Progress = Callable[[str, float], None]  # (what is happening, fraction done)


def build_service(
    model: ModelSpec,
    seed: int = 0,
    *,
    device: str = "auto",
    service: str = "auto",
    max_batch_size: int = 32,
    compile: bool = False,
    on_progress: Progress | None = None,
) -> ServiceTime:
    """The source for ``model``: an analytic cost, a profile file, or a torch model on
    ``device`` that either runs every batch (``real``, the default) or is measured once
    for batch sizes up to ``max_batch_size`` and then read off that table (``profile``).
    ``compile`` runs the model through torch.compile (CUDA graphs on CUDA)."""
    params = model.validate()
    if service not in SERVICE_MODES:
        raise ConfigError("service", f"expected one of {', '.join(SERVICE_MODES)}, got {service!r}")
    if not model.is_torch:
        if service != "auto":
            raise ConfigError("service", f"applies to torch models, not to the {model.kind} model")
        if model.kind == "analytic":
            return AnalyticCost(seed=seed, **params)
        return load_profile(params["path"], seed=seed)

    from batchtui.engine.models.profiler import batch_sizes, profile_runner
    from batchtui.engine.models.runner import ModelRunner
    from batchtui.engine.service.real import RealService

    def report(what: str) -> Callable[[float], None] | None:
        return None if on_progress is None else (lambda f: on_progress(what, f))

    runner = ModelRunner(
        model, device=device, seed=seed, max_batch_size=max_batch_size, compile=compile
    )
    # A profile times a few sizes, so only those pay their one-off costs first; a live
    # service may be sent any size.
    sizes = batch_sizes(max_batch_size) if service == "profile" else None
    runner.warm_up(max_batch_size, progress=report(f"warming up {model.kind}"), sizes=sizes)
    if service == "profile":
        table = profile_runner(runner, max_batch_size, progress=report(f"profiling {model.kind}"))
        source = f"{model.kind} on {runner.to_json()['device']}, measured"
        return ProfileCost(
            table.medians_ms(), source, table.wakeup, seed, batch_time=table.batch_time
        )
    return RealService(runner)
