"""Device selection: auto falls back to the CPU here; an absent device is an error in words."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from batchtui.engine.device import describe_device, free_memory, resolve_device, synchronize
from batchtui.engine.errors import ConfigError


def test_auto_falls_back_to_cpu_without_cuda_or_mps() -> None:
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")


def test_cuda_on_a_cpu_build_says_this_torch_has_no_cuda() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_device("cuda")
    assert caught.value.where == "device"
    assert f"cuda was asked for but this torch ({torch.__version__}) has no CUDA" in str(
        caught.value
    )


def test_mps_absent_is_an_error_that_names_mps() -> None:
    with pytest.raises(ConfigError, match=r"device: mps was asked for but"):
        resolve_device("mps")


def test_missing_cuda_index_says_how_many_devices_are_present(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    with pytest.raises(
        ConfigError, match=r"cuda:3 was asked for but only 1 CUDA device is present"
    ):
        resolve_device("cuda:3")
    assert resolve_device("cuda:0") == torch.device("cuda", 0)
    assert resolve_device("auto") == torch.device("cuda", 0)


@pytest.mark.parametrize("name", ["gpu", "cuda:x", "CPU", "", "cuda:-1"])
def test_unknown_names_list_the_valid_ones(name: str) -> None:
    with pytest.raises(ConfigError, match=r"expected one of auto, cpu, cuda, cuda:N, mps"):
        resolve_device(name)


def test_cpu_is_described_with_its_threads_and_needs_no_synchronisation() -> None:
    cpu = torch.device("cpu")
    assert describe_device(cpu) == f"cpu ({torch.get_num_threads()} threads)".replace(
        "(1 threads)", "(1 thread)"
    )
    synchronize(cpu)  # a no-op, but callable on every device
    free = free_memory(cpu)
    assert free is None or free > 2**20


def test_describing_models_and_devices_does_not_import_torch() -> None:
    code = (
        "import sys\n"
        "import batchtui.engine.device, batchtui.engine.models\n"
        "from batchtui.engine.models import ModelSpec\n"
        "ModelSpec('transformer').to_dict()\n"
        "batchtui.engine.device.check_device_name('cuda:1')\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
