"""Exports to vLLM, SGLang and TGI: golden files, scripts that really run, the engines' own
flag names, and clear refusals for presets a format cannot take, through the real CLI.

The golden files are the exports of ``GEN`` (tests/presets/test_gen_presets.py); after a
deliberate change, rewrite them with ``batchtui export PATH --format F -o FILE --force``.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import re
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from batchtui.presets import builtin_preset_files, load_preset, preset_from_dict
from batchtui.presets.exporters import export
from tests.cli.run import assert_refused, run_cli
from tests.presets.conftest import VALID
from tests.presets.test_gen_presets import GEN, gen_doc

GOLDEN = Path(__file__).parent / "golden"
GEN_FORMATS = ("vllm", "sglang", "tgi")
COMMANDS = {
    "vllm": ("vllm", ["serve"]),
    "sglang": ("python3", ["-m", "sglang.launch_server", "--model-path"]),
    "tgi": ("text-generation-launcher", ["--model-id"]),
}
"""The program each script runs, and its words before the model."""
DOCUMENTED = {
    # vLLM engine arguments, https://docs.vllm.ai/en/latest/configuration/engine_args.html
    # (vllm/config/scheduler.py, vllm/config/cache.py, vllm/engine/arg_utils.py).
    "vllm": {
        "--max-num-seqs", "--max-num-batched-tokens", "--enable-chunked-prefill",
        "--no-enable-chunked-prefill", "--long-prefill-token-threshold", "--block-size",
        "--num-gpu-blocks-override", "--gpu-memory-utilization", "--max-model-len",
        "--no-enable-prefix-caching", "--goodput",
    },
    # SGLang server arguments, https://docs.sglang.io/docs/advanced_features/server_arguments.md
    # (python/sglang/srt/server_args.py).
    "sglang": {
        "--model-path", "--max-running-requests", "--chunked-prefill-size",
        "--max-prefill-tokens", "--enable-mixed-chunk", "--max-total-tokens", "--page-size",
        "--schedule-policy", "--schedule-conservativeness", "--disable-radix-cache", "--goodput",
    },
    # TGI launcher, https://huggingface.co/docs/text-generation-inference/reference/launcher
    # (launcher/src/main.rs).
    "tgi": {
        "--model-id", "--max-batch-size", "--max-concurrent-requests",
        "--max-batch-prefill-tokens", "--max-batch-total-tokens", "--max-input-tokens",
        "--max-total-tokens", "--waiting-served-ratio", "--max-waiting-tokens", "--goodput",
    },
}  # fmt: skip
"""Every flag an export may name, as each engine documents it (``--goodput`` is vLLM's
benchmark flag, named in every export's SLO note)."""


def save(tmp_path: Path, doc: dict[str, Any], name: str = "chat.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("fmt", GEN_FORMATS)
def test_the_cli_writes_the_golden_export(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "export", str(save(tmp_path, GEN)), "--format", fmt)
    assert (code, err) == (0, "")
    assert out == (GOLDEN / f"chat.{fmt}.sh").read_text()


@pytest.mark.parametrize("fmt", GEN_FORMATS)
def test_every_flag_named_is_one_the_engine_documents(fmt: str) -> None:
    other = {"chunked_prefill": False, "long_prefill_token_threshold": 512, "block_size": 32}
    variants = [GEN, gen_doc(batcher={**GEN["batcher"], **other})]
    for doc in variants:
        text = export(preset_from_dict(copy.deepcopy(doc)), fmt).text
        named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*[a-z]", text))
        assert named and named <= DOCUMENTED[fmt], named - DOCUMENTED[fmt]


def fake_server(folder: Path, program: str) -> Path:
    """An executable named ``program`` that writes its arguments, one per line, to a file."""
    folder.mkdir(exist_ok=True)
    path = folder / program
    path.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{folder}/argv"\n')
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return folder / "argv"


@pytest.mark.parametrize("fmt", GEN_FORMATS)
def test_the_script_runs_the_server_with_the_model_the_flags_and_extra_arguments(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "serve.sh"
    code, _, err = run_cli(capsys, "export", str(save(tmp_path, GEN)), "--format", fmt,
                           "-o", str(script))  # fmt: skip
    said = f"wrote {script} (a {fmt} launch script; run it as MODEL=<model> sh {script})"
    assert code == 0 and said in err
    program, words = COMMANDS[fmt]
    argv_file = fake_server(tmp_path / "bin", program)
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "MODEL": "org/my model"}  # fmt: skip
    subprocess.run(["sh", str(script), "--port", "9000"], env=env, check=True, timeout=30)
    argv = argv_file.read_text().splitlines()
    assert argv[: len(words) + 1] == [*words, "org/my model"]
    assert argv[-2:] == ["--port", "9000"]
    rest = argv[len(words) + 1 : -2]
    flags = dict(itertools.pairwise(rest))  # each word -> the next: a flag's value
    expected = {
        "vllm": {"--max-num-seqs": "64", "--max-num-batched-tokens": "4096", "--block-size": "16"},
        "sglang": {"--max-running-requests": "64", "--chunked-prefill-size": "4096",
                   "--max-total-tokens": "65536", "--page-size": "16"},
        "tgi": {"--max-batch-size": "64", "--max-batch-prefill-tokens": "4096",
                "--max-batch-total-tokens": "65536"},
    }[fmt]  # fmt: skip
    assert {k: flags[k] for k in expected} == expected


def test_the_script_without_a_model_stops_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "serve.sh"
    run_cli(capsys, "export", str(save(tmp_path, GEN)), "--format", "vllm", "-o", str(script))
    argv_file = fake_server(tmp_path / "bin", "vllm")
    env = {k: v for k, v in os.environ.items() if k != "MODEL"}
    env["PATH"] = f"{tmp_path / 'bin'}{os.pathsep}{env['PATH']}"
    done = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode != 0 and "set MODEL to the model to serve" in done.stderr
    assert not argv_file.exists()


def test_without_chunked_prefill_each_engine_gets_its_own_off_switch() -> None:
    preset = preset_from_dict(gen_doc(batcher={**GEN["batcher"], "chunked_prefill": False}))
    vllm, sglang, tgi = (export(preset, fmt) for fmt in GEN_FORMATS)
    assert "--no-enable-chunked-prefill" in vllm.text
    assert "--max-model-len 4096" in vllm.text  # vLLM refuses to start unchunked without it
    assert any("sets --max-model-len 4096" in n for n in vllm.notes)
    assert "--chunked-prefill-size -1" in sglang.text and "--enable-mixed-chunk" not in sglang.text
    assert any("refused (batchtui too)" in n for n in tgi.notes)


def test_a_token_budget_below_max_num_seqs_is_raised_for_vllm_and_says_so() -> None:
    batcher = {"kind": "continuous", "max_num_seqs": 256, "max_num_batched_tokens": 128}
    result = export(preset_from_dict(gen_doc(batcher=batcher)), "vllm")
    assert "--max-num-batched-tokens 256 \\" in result.text
    assert any("the token budget 128 became 256" in n for n in result.notes)


def test_tgi_limits_satisfy_its_start_up_checks() -> None:
    batcher = {"kind": "continuous", "max_num_batched_tokens": 100_000, "kv_cache_tokens": 8192}
    text = export(preset_from_dict(gen_doc(batcher=batcher)), "tgi").text
    value = {k: int(v) for k, v in re.findall(r"(--[a-z-]+) (\d+)", text.split("exec ", 1)[1])}
    assert value["--max-input-tokens"] < value["--max-total-tokens"]
    assert value["--max-total-tokens"] <= value["--max-batch-total-tokens"]
    assert value["--max-input-tokens"] <= value["--max-batch-prefill-tokens"]
    assert value["--max-batch-prefill-tokens"] <= value["--max-batch-total-tokens"]


@pytest.mark.parametrize(
    ("doc", "fmt", "message"),
    [
        (VALID, "vllm", "--format: vllm serves generative models token by token, and 'mine' is "
         "a request-level preset (model analytic); it exports to json, triton, torchserve, ray, "
         "tfserving, litserve, python"),
        (GEN, "triton", "--format: triton batches whole requests, and 'chat' is a generative "
         "preset (model analytic-llm, served token by token); it exports to json, vllm, "
         "sglang, tgi"),
        (GEN, "python", "--format: python batches whole requests"),
        (gen_doc(batcher={"kind": "static"}), "sglang", "--format: sglang schedules every step "
         "(continuous batching), and 'chat' holds a static batcher, a request-level rule "
         "sglang has no setting for; save a continuous lane instead (batchtui run --preset "
         "{path} --save-preset continuous=PATH)"),
    ],
)  # fmt: skip
def test_a_format_that_cannot_take_the_preset_is_refused_in_one_line(
    doc: dict[str, Any], fmt: str, message: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    out, path = tmp_path / "out.sh", save(tmp_path, doc)
    assert_refused(capsys, ["export", str(path), "--format", fmt, "-o", str(out)],
                   message.format(path=path))  # fmt: skip
    assert not out.exists()


@pytest.mark.parametrize(
    "path",
    [p for p in builtin_preset_files() if json.loads(p.read_text())["format"].endswith("/2")],
)
@pytest.mark.parametrize("fmt", ["json", *GEN_FORMATS])
def test_every_generative_builtin_exports_to_every_format_it_takes(path: Any, fmt: str) -> None:
    preset = load_preset(Path(str(path)))
    result = export(preset, fmt)
    assert preset.name in result.text
    if fmt != "json":
        assert result.text.startswith("#!/bin/sh\n") and result.filename == f"serve_{fmt}.sh"
        subprocess.run(["sh", "-n"], input=result.text, text=True, check=True, timeout=30)
