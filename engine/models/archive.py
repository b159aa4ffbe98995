"""Telling model files apart by what their zip archive holds, without importing torch."""

from __future__ import annotations

import zipfile


def sniff_kind(path: str) -> str | None:
    """``torchscript`` or ``export`` by what the archive holds; None if it is neither."""
    found = archive_kind(path)
    return found if found in ("torchscript", "export") else None


ARCHIVES = {
    "torchscript": ("TorchScript", "torch.jit.save"),
    "export": ("torch.export", "torch.export.save"),
}


def archive_kind(path: str) -> str:
    # Both formats are zip files; what they hold tells them apart (and from torch.save's).
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return "not a zip file"
    if any(name.endswith("/archive_format") or name == "archive_format" for name in names):
        return "export"
    if any(name.endswith("/constants.pkl") for name in names):
        return "torchscript"
    if any(name.endswith("/data.pkl") for name in names):
        return "checkpoint"
    return "a zip file without a model"
