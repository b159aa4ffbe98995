"""Ray Serve: a deployment whose method is wrapped in ``@serve.batch``."""

from __future__ import annotations

from batchtui.presets.exporters.approximation import server_settings
from batchtui.presets.exporters.base import Export, comment_header
from batchtui.presets.schema import Preset

FORMAT = "ray"
SERVES = "request"


def export(preset: Preset) -> Export:
    """A Python module: ``@serve.batch(max_batch_size=..., batch_wait_timeout_s=...)``."""
    s = server_settings(preset)
    notes = [
        *s.notes,
        "Ray Serve's batch_wait_timeout_s counts from the first request of a batch, as "
        "batchtui's wait counts from arrival; one batch at a time per replica is Ray's "
        "default, as in batchtui.",
    ]
    timeout_s = s.max_wait_ms / 1000.0
    body = f"""from ray import serve


@serve.deployment
class BatchedModel:
    @serve.batch(max_batch_size={s.batch_size}, batch_wait_timeout_s={timeout_s!r})
    async def handle_batch(self, inputs: list) -> list:
        # Run your model once on the whole batch; return one result per input, in order.
        return inputs

    async def __call__(self, request):
        return await self.handle_batch(await request.json())


app = BatchedModel.bind()
"""
    header = comment_header("#", preset, "Ray Serve (@serve.batch)", notes)
    return Export(FORMAT, header + "\n" + body, tuple(notes), "serve_batched.py")
