"""Models: what serves the batches: an analytic cost, a measured profile, or a torch module."""

from batchtui.engine.models.spec import MODEL_KINDS, TORCH_KINDS, ModelSpec

__all__ = ["MODEL_KINDS", "TORCH_KINDS", "ModelSpec"]
