"""A Python module serving the preset with batchtui's own batcher: the policy exactly as tuned.

Every batcher kind carries over (no approximation): ``Batcher.from_preset`` runs the policy
the simulator ran. The module holds a FastAPI app and a Ray Serve deployment, both short.
"""

from __future__ import annotations

from batchtui.presets.catalog import builtin_dir
from batchtui.presets.exporters.approximation import _model_notes
from batchtui.presets.exporters.base import Export, comment_header
from batchtui.presets.schema import Preset

FORMAT = "python"
SERVES = "request"
MODULE = "batched_service"


def export(preset: Preset) -> Export:
    """``batched_service.py``: ``fastapi_app()`` and ``ray_app()`` over ``Batcher.from_preset``."""
    notes = list(_model_notes(preset))
    if preset.base_dir is None or preset.base_dir.resolve() != builtin_dir().resolve():
        notes.append(
            "Batcher.from_preset looks the name up in your preset folder, then among the "
            "built-ins; if the preset file lives elsewhere, give it the file's path instead."
        )
    params = ", ".join(f"{k}={v!r}" for k, v in preset.batcher_params.items())
    body = f'''"""A service batched by batchtui preset {preset.name}.

    uvicorn {MODULE}:fastapi_app --factory     # FastAPI (pip install fastapi uvicorn)
    serve run {MODULE}:ray_app                 # Ray Serve (pip install "ray[serve]")

/metrics needs the prometheus extra: pip install "batchtui[prometheus]".
"""

from __future__ import annotations

from batchtui.engine.batcher import Batcher, QueueFull

PRESET = {preset.name!r}
# The same batcher written out in full:
#   Batcher(predict_batch, {preset.batcher_kind!r}, {params})


def predict_batch(inputs: list) -> list:
    """Run your model once on the whole batch; return one result per input, in order."""
    return inputs


def fastapi_app():
    from fastapi import FastAPI, HTTPException, Response

    batcher = Batcher.from_preset(PRESET, predict_batch, max_queue=1024)
    app = FastAPI()

    @app.post("/predict")
    async def predict(payload: dict) -> dict:
        try:
            return {{"output": await batcher(payload["input"])}}
        except QueueFull:
            raise HTTPException(503, "overloaded: retry later") from None

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(batcher.metrics.text(), media_type=batcher.metrics.content_type)

    return app


def ray_app(args: dict | None = None):
    from ray import serve

    @serve.deployment
    class BatchedModel:
        def __init__(self) -> None:
            self.batcher = Batcher.from_preset(PRESET, predict_batch)

        async def __call__(self, request) -> dict:
            return {{"output": await self.batcher((await request.json())["input"])}}

    return BatchedModel.bind()
'''
    header = comment_header("#", preset, "batchtui's asyncio batcher (Python)", notes)
    return Export(FORMAT, header + "\n" + body, tuple(notes), f"{MODULE}.py")
