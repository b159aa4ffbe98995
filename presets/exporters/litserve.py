"""LitServe: a ``LitAPI`` with ``max_batch_size`` and ``batch_timeout`` (seconds)."""

from __future__ import annotations

from batchtui.presets.exporters.approximation import server_settings
from batchtui.presets.exporters.base import Export, comment_header
from batchtui.presets.schema import Preset

FORMAT = "litserve"
SERVES = "request"


def export(preset: Preset) -> Export:
    """A Python module serving a batched ``LitAPI`` with the preset's size and timeout."""
    s = server_settings(preset)
    notes = [
        *s.notes,
        "LitServe starts batch_timeout when its worker starts collecting a batch, not when "
        "each request arrives: requests that queued while the worker was busy can wait longer "
        "than batchtui's bound, which counts from arrival.",
        "Older LitServe versions take max_batch_size and batch_timeout as arguments of "
        "LitServer(...) instead of the LitAPI.",
    ]
    timeout_s = s.max_wait_ms / 1000.0
    body = f"""import litserve as ls


class BatchedAPI(ls.LitAPI):
    def setup(self, device):
        self.model = lambda batch: batch  # load your model here

    def decode_request(self, request):
        return request["input"]

    def predict(self, batch):
        # With max_batch_size > 1, LitServe passes the decoded inputs as one list.
        return self.model(batch)

    def encode_response(self, output):
        return {{"output": output}}


if __name__ == "__main__":
    api = BatchedAPI(max_batch_size={s.batch_size}, batch_timeout={timeout_s!r})
    ls.LitServer(api).run(port=8000)
"""
    header = comment_header("#", preset, "LitServe", notes)
    return Export(FORMAT, header + "\n" + body, tuple(notes), "server.py")
