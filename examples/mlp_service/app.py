"""A real service: batchtui's built-in mlp behind FastAPI, batched by a tuned preset.

    pip install "batchtui[prometheus]" fastapi uvicorn
    uvicorn app:app --app-dir examples/mlp_service --port 8000
    curl -s localhost:8000/predict -H 'content-type: application/json' \\
         -d "{\\"input\\": $(python -c 'print([0.1] * 64)')}"

``POST /predict`` takes one input and answers its output; the batcher groups concurrent
requests into one forward pass with the preset's policy. ``GET /metrics`` is the Prometheus
exposition, ``GET /stats`` the batcher's own figures. Environment: ``BATCHTUI_PRESET`` (a
preset name or path, default ``balanced``), ``MLP_WIDTH`` (default 64), ``MAX_QUEUE``
(default 1024; beyond it requests get 503).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import torch
from fastapi import FastAPI, HTTPException, Response
from pydantic import BaseModel

from batchtui.engine.batcher import Batcher, QueueFull
from batchtui.engine.models.builtin import build_builtin
from batchtui.engine.models.spec import ModelSpec

PRESET = os.environ.get("BATCHTUI_PRESET", "balanced")
WIDTH = int(os.environ.get("MLP_WIDTH", "64"))
MAX_QUEUE = int(os.environ.get("MAX_QUEUE", "1024"))

params = ModelSpec("mlp", {"width": WIDTH}).validate()
model = build_builtin("mlp", params, seed=0, device=torch.device("cpu")).module


def predict_batch(inputs: list[list[float]]) -> list[list[float]]:
    """One forward pass for the whole batch (run by the batcher in its worker thread)."""
    with torch.inference_mode():
        return model(torch.tensor(inputs, dtype=torch.float32)).tolist()


batcher = Batcher.from_preset(PRESET, predict_batch, name="mlp", max_queue=MAX_QUEUE)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    await batcher.aclose()  # serve what is queued before the process exits


app = FastAPI(title="batchtui mlp example", lifespan=lifespan)


class PredictRequest(BaseModel):
    input: list[float]


@app.post("/predict")
async def predict(request: PredictRequest) -> dict[str, list[float]]:
    if len(request.input) != WIDTH:
        raise HTTPException(422, f"input must be {WIDTH} numbers, got {len(request.input)}")
    try:
        return {"output": await batcher(request.input)}
    except QueueFull:
        raise HTTPException(503, "overloaded: the batch queue is full, retry later") from None


@app.get("/metrics")
async def metrics() -> Response:
    return Response(batcher.metrics.text(), media_type=batcher.metrics.content_type)


@app.get("/stats")
async def stats(window_s: float = 10.0) -> dict[str, Any]:
    return batcher.stats(window_s).to_json()
