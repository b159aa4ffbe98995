"""``export --format python``: a ready module that serves the preset's batcher exactly."""

from __future__ import annotations

import ast
import asyncio
from typing import Any

import httpx

from batchtui.presets import builtin_dir, load_preset, preset_from_dict
from batchtui.presets.exporters import export


def module_of(text: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "batched_service"}
    exec(compile(text, "batched_service.py", "exec"), namespace)
    return namespace


def test_every_kind_exports_exactly_with_no_approximation_note(
    policy_kind: str, valid_doc: dict[str, Any]
) -> None:
    kind = policy_kind
    valid_doc["batcher"] = {"kind": kind, "max_batch_size": 24}
    preset = preset_from_dict(valid_doc)
    result = export(preset, "python")
    assert result.filename == "batched_service.py"
    assert not any("no server equivalent" in note for note in result.notes)
    tree = ast.parse(result.text)
    calls = [ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert calls.count("Batcher.from_preset") == 2  # the FastAPI app and the Ray deployment
    assert module_of(result.text)["PRESET"] == "mine"
    spelled = [line for line in result.text.splitlines() if "Batcher(predict_batch" in line]
    assert spelled[0].startswith(f"#   Batcher(predict_batch, {kind!r}, ")  # written out in full
    assert "max_batch_size=24" in spelled[0]


def test_the_exported_fastapi_app_serves_a_builtin_preset_through_the_batcher() -> None:
    result = export(load_preset(builtin_dir() / "low-latency.json"), "python")
    assert not any("preset folder" in note for note in result.notes)  # a built-in resolves
    module = module_of(result.text)
    app = module["fastapi_app"]()

    async def main() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            posts = [client.post("/predict", json={"input": i}) for i in range(10)]
            return [*await asyncio.gather(*posts), await client.get("/metrics")]

    *answers, metrics = asyncio.run(main())
    assert [r.json() for r in answers] == [{"output": i} for i in range(10)]
    assert 'batchtui_requests_total{batcher="low-latency",outcome="completed"} 10.0' in metrics.text
    assert callable(module["ray_app"])  # Ray itself is not a test dependency
