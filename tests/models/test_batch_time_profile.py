"""The batch-time tail through the real path: ``batchtui profile`` times a real model's
batches after sleeps and writes each size's distribution; ``batchtui run --profile`` loads it,
says so in one line, and draws batch times from it."""

import json
from pathlib import Path

import pytest

from batchtui.engine.sim.batch_time import BatchTimes
from tests.cli.run import profile_small_mlp, run_cli

RUN = ("run", "--duration", "2", "--lanes", "static", "--rate", "500", "--quiet",
       "--set", "static.max_batch_size=8")  # fmt: skip
"""Batches no larger than the profile's largest size: beyond it both profiles extrapolate."""


def test_profile_writes_each_sizes_batch_times_and_run_draws_from_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mlp.json"
    doc, out = profile_small_mlp(capsys, path)
    assert "restart after a sleep:" in out  # the after-idle shift, said where it is measured
    spread = BatchTimes.from_json(doc["batch_time"])  # a valid distribution per size
    assert spread.sizes == (1, 2, 3, 4, 6, 8)
    medians = {p["batch_size"]: p["median_ms"] for p in doc["points"]}
    for n, row in zip(spread.sizes, spread.quantiles_ms, strict=True):
        assert 0 < row[0] <= row[-1]
        assert row[-1] >= medians[n] * 0.5  # times of this model, not of another scale

    reports, errs = {}, {}
    for label, profile in (("tail", path), ("median", tmp_path / "median.json")):
        if label == "median":
            profile.write_text(json.dumps({k: v for k, v in doc.items() if k != "batch_time"}))
        out = tmp_path / f"{label}.json"
        code, _, err = run_cli(capsys, *RUN, "--profile", str(profile), "--json", str(out))
        assert code == 0, err
        noted = "note: drawing each batch's time from the profile's measured distribution"
        assert (noted in err) == (label == "tail")
        assert err.count("batch's time") == (label == "tail")
        reports[label], errs[label] = json.loads(out.read_text()), err
    assert reports["tail"]["model"]["batch_time"] == doc["batch_time"]
    assert "batch_time" not in reports["median"]["model"]
    # The same arrivals and policy: the median profile's batches cost their medians, the
    # tail's are drawn from the distributions (and stay within them).
    tail, median = (reports[k]["lanes"][0]["service_ms"] for k in ("tail", "median"))
    assert median["max"] <= max(medians.values()) + 1e-9
    assert spread.after_idle is not None  # the shift after an idle, measured on size 1
    assert spread.after_idle.sizes == spread.sizes and spread.after_idle.fraction[-1] == 1.0
    shifted = max(row[-1] for row in spread.quantiles_ms) + max(spread.after_idle.shift_ms)
    assert tail["max"] <= shifted + 1e-9
    assert "after an idle of" in errs["tail"]
    assert tail["p50"] != median["p50"] and tail["max"] != median["max"]
