"""Built-in models with random weights from a seeded generator: nothing is downloaded.

Their default sizes are chosen so that batching visibly pays off on a 2-core CPU (a batch
of 32 costs a few ms, several times less per request than a batch of 1) and on a GPU.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import nn

from batchtui.engine.device import free_memory
from batchtui.engine.errors import ConfigError
from batchtui.engine.models.inputs import TensorInput, TokenInput
from batchtui.engine.models.loaded import LoadedModel
from batchtui.engine.models.reasons import reason

BUILTIN_KINDS = ("mlp", "transformer", "conv")
"""Model kinds built here, from parameters alone."""
VOCAB = 1000
"""Token ids of the built-in transformer are drawn from [0, VOCAB)."""
MLP_OUTPUTS = 16
"""Width of the MLP's output layer (a classifier's scores)."""
CONV_CLASSES = 10
"""Classes the conv net scores, as on CIFAR-10."""
CONV_HEAD = 256
"""Hidden width of the conv net's classifier head; its weights are a fixed cost per batch."""
FREE_MEMORY_SHARE = 0.5
"""A built-in's weights may take at most this share of the device's free memory."""


def build_builtin(
    kind: str, params: Mapping[str, Any], seed: int, device: torch.device
) -> LoadedModel:
    """The built-in ``kind`` on ``device``, its weights drawn from ``seed``."""
    builder = {"mlp": _mlp, "transformer": _transformer, "conv": _conv}[kind]
    _check_fits(kind, builder, params, device)
    # fork_rng keeps the caller's global random state untouched by our seeded initialisation.
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            module, spec = builder(**params)
        module = module.to(device).eval()
    except ConfigError:
        raise
    except Exception as e:  # e.g. out of memory for a very wide model
        raise ConfigError(
            "model", f"{kind}: could not build it on {device} ({reason(e)})"
        ) from None
    return LoadedModel(module, spec, "model", kind)


def _check_fits(
    kind: str,
    builder: Callable[..., tuple[nn.Module, Any]],
    params: Mapping[str, Any],
    device: torch.device,
) -> None:
    # Weights are counted on the meta device (no memory) first: a slider pushed to an absurd
    # width must be a message, not the kernel's out-of-memory killer ending the process.
    with torch.device("meta"):
        module, _ = builder(**params)
    need = sum(p.numel() * p.element_size() for p in module.parameters())
    free = free_memory(device)
    if free is not None and need > FREE_MEMORY_SHARE * free:
        raise ConfigError(
            "model",
            f"{kind}: its weights need {need / 2**30:.1f} GiB but {device} has "
            f"{free / 2**30:.1f} GiB free",
        )


def _mlp(width: int, depth: int) -> tuple[nn.Module, TensorInput]:
    layers: list[nn.Module] = []
    for _ in range(depth):
        layers += [nn.Linear(width, width), nn.ReLU()]
    layers.append(nn.Linear(width, MLP_OUTPUTS))
    return _he_init(nn.Sequential(*layers)), TensorInput((width,))


def _transformer(
    d_model: int, layers: int, heads: int, max_seq_len: int, tokens_per_size: float
) -> tuple[nn.Module, TokenInput]:
    if d_model % heads:
        raise ConfigError("heads", f"must divide d_model ({d_model}); got {heads}")
    module = TokenEncoder(d_model, layers, heads, max_seq_len)
    return module, TokenInput(VOCAB, max_seq_len, tokens_per_size)


def _conv(image_size: int, channels: int, blocks: int) -> tuple[nn.Module, TensorInput]:
    if image_size >> blocks < 1:
        most = image_size.bit_length() - 1
        raise ConfigError(
            "blocks", f"{blocks} blocks halve a {image_size}px image below 1px; at most {most}"
        )
    module = ConvNet(channels, blocks).to(memory_format=torch.channels_last)
    return _he_init(module), TensorInput((image_size, image_size, 3))


class TokenEncoder(nn.Module):
    """A small transformer encoder over token ids; padded positions are masked out of attention.

    Nested tensors are off on purpose: padding is computed, so its cost shows in timings.
    """

    def __init__(self, d_model: int, layers: int, heads: int, max_seq_len: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(VOCAB, d_model)
        self.position = nn.Embedding(max_seq_len, d_model)
        layer = nn.TransformerEncoderLayer(
            d_model, heads, 4 * d_model, dropout=0.0, batch_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)

    def forward(self, tokens: torch.Tensor, padding: torch.Tensor) -> torch.Tensor:
        """Hidden states ``[n, length, d_model]``; rows past a request's length are padding."""
        x = self.embed(tokens) + self.position.weight[: tokens.shape[1]]
        return self.encoder(x, src_key_padding_mask=padding)


class ConvNet(nn.Module):
    """A small image classifier fed channels-last images ``[n, H, W, 3]``.

    Channels-last is the layout oneDNN and cuDNN run fastest, and taking it as input spares a
    layout copy per batch.
    """

    def __init__(self, channels: int, blocks: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width_in = 3
        for block in range(blocks):
            width = channels * min(2**block, 8)
            layers += [nn.Conv2d(width_in, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            width_in = width
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(2),
            nn.Flatten(),
            nn.Linear(4 * width_in, CONV_HEAD),
            nn.ReLU(),
            nn.Linear(CONV_HEAD, CONV_CLASSES),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Class scores ``[n, 10]`` for images ``[n, H, W, 3]``."""
        return self.head(self.features(images.permute(0, 3, 1, 2)))


def _he_init(module: nn.Module) -> nn.Module:
    # PyTorch's default init shrinks activations layer by layer; He init keeps them near 1,
    # so requests' outputs differ clearly and a routing mistake cannot hide under tolerance.
    for layer in module.modules():
        if isinstance(layer, nn.Linear | nn.Conv2d):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            nn.init.zeros_(layer.bias)
    return module
