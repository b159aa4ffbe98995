"""The example service for real: uvicorn on loopback, open-loop HTTP load, all of it counted."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mlp_service"
REQUESTS, RATE = 200, 200.0  # a second of Poisson arrivals


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def service() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {**os.environ, "MLP_WIDTH": "64", "BATCHTUI_PRESET": "balanced"}
    cmd = [sys.executable, "-m", "uvicorn", "app:app", "--app-dir", str(EXAMPLE)]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/stats", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out = proc.communicate()[0].decode(errors="replace")
            pytest.fail(f"the example did not start:\n{out}")
        time.sleep(0.2)
    yield url, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


async def open_loop(url: str) -> list[httpx.Response]:
    times = np.cumsum(np.random.default_rng(0).exponential(1 / RATE, REQUESTS))
    inputs = np.random.default_rng(1).standard_normal((REQUESTS, 64)).round(4).tolist()
    limits = httpx.Limits(max_connections=REQUESTS)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        loop = asyncio.get_running_loop()
        start = loop.time()

        async def one(i: int) -> httpx.Response:
            await asyncio.sleep(max(0.0, start + times[i] - loop.time()))
            return await client.post("/predict", json={"input": inputs[i]})

        return await asyncio.gather(*(one(i) for i in range(REQUESTS)))


def test_every_request_is_answered_counted_and_exported(
    service: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, proc = service
    responses = asyncio.run(open_loop(url))
    assert [r.status_code for r in responses] == [200] * REQUESTS
    assert all(len(r.json()["output"]) == 16 for r in responses)

    stats = httpx.get(f"{url}/stats", params={"window_s": 60}).json()
    assert stats["arrived"] == stats["completed"] == REQUESTS
    assert stats["batcher"] == {"kind": "static", "max_batch_size": 32, "max_wait_ms": 5.0}
    assert stats["batch_size"]["mean"] > 1  # concurrent requests really shared batches

    metrics = httpx.get(f"{url}/metrics").text
    assert f'batchtui_requests_total{{batcher="mlp",outcome="completed"}} {REQUESTS}.0' in metrics
    assert 'batchtui_batch_size_count{batcher="mlp"}' in metrics
    assert 'batchtui_queue_depth{batcher="mlp"} 0.0' in metrics

    bad = httpx.post(f"{url}/predict", json={"input": [1.0, 2.0]})
    assert bad.status_code == 422 and "64 numbers" in bad.text

    proc.send_signal(signal.SIGINT)  # graceful shutdown closes the batcher
    assert proc.wait(timeout=30) == 0
