"""``batchtui presets``: the presets a name can refer to, where each comes from, what it is for."""

from __future__ import annotations

import argparse

from batchtui.presets import CatalogEntry, PresetError, list_presets, user_dir

DESCRIPTION_WIDTH = 64
"""Descriptions are cut to this, so a row fits a 120-column terminal."""


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``presets``."""
    p = commands.add_parser(
        "presets",
        help="list the presets: built-in, in your config folder, or files you name",
        description=(
            "List every preset a name can refer to: your own (in "
            "$XDG_CONFIG_HOME/batchtui/presets, which shadow built-ins of the same name), "
            "then the built-ins, then any preset files given as arguments."
        ),
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="also list these preset files")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the table of presets."""
    print(format_catalog(list_presets(tuple(args.paths))))
    print(f"\nyour presets folder: {user_dir()}")
    return 0


def format_catalog(entries: list[CatalogEntry]) -> str:
    """One row per preset: name, batcher kind, scenario (request-level or generative), origin
    and a one-line description."""
    headers = ["name", "batcher", "scenario", "origin", "description"]
    rows = [_row(e) for e in entries]
    if not rows:
        return "no presets found"
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def _row(entry: CatalogEntry) -> list[str]:
    origin = f"{entry.origin} (hidden by user)" if entry.shadowed else entry.origin
    if entry.preset is None:
        err = entry.error
        if isinstance(err, PresetError) and err.problems:
            first = str(err.problems[0])
        else:
            first = err.message if err is not None else "cannot be read"
        return [entry.name, "?", "?", origin, _one_line(f"INVALID: {first}")]
    preset = entry.preset
    scenario = "generative" if preset.generative else "request"
    return [entry.name, preset.batcher_kind, scenario, origin, _one_line(preset.description)]


def _one_line(text: str) -> str:
    """The first sentence, cut to DESCRIPTION_WIDTH characters."""
    text = " ".join(text.split())
    first = text.split(". ", 1)[0]
    first = first if first.endswith(".") or first == text else first + "."
    if len(first) > DESCRIPTION_WIDTH:
        first = first[: DESCRIPTION_WIDTH - 1].rstrip() + "…"
    return first
