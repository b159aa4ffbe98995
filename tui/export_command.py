"""``batchtui export``: a preset turned into a server's configuration, on stdout or in a file."""

from __future__ import annotations

import argparse
import shlex
import sys

from batchtui.engine.errors import ConfigError
from batchtui.presets import resolve
from batchtui.presets.exporters import EXPORTERS, export
from batchtui.presets.storage import write_text_atomically
from batchtui.tui.output_path import check_output_path


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``export``."""
    p = commands.add_parser(
        "export",
        help="write a preset as server config, or as a Python service using batchtui's batcher",
        description=(
            "Turn a preset into what a server reads. Batchers other than static have no "
            "server equivalent: the static settings that approximate them are exported (a "
            "batcher with no max_batch_size and max_wait_ms is refused, naming them), and "
            "every output says in comments what does not carry over. --format python writes a "
            "module that runs the preset's own batcher (batchtui.engine.batcher): every kind, "
            "exactly. Generative presets with the continuous batcher export to vllm, sglang "
            "and tgi: a shell script that starts the engine with its own flags."
        ),
    )
    p.add_argument("preset", metavar="NAME|PATH", help="a preset name (see 'batchtui presets')")
    p.add_argument(
        "--format",
        choices=tuple(EXPORTERS),
        default="json",
        help="what to write (default: json, the preset itself); vllm, sglang and tgi take "
        "generative presets, the others request-level ones",
    )
    p.add_argument("-o", "--output", metavar="PATH", help="write to PATH instead of stdout")
    p.add_argument("--force", action="store_true", help="replace PATH if it exists")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Export the preset; with -o write it atomically and list the notes on stderr."""
    path = check_output_path("-o", args.output) if args.output is not None else None
    preset = resolve(args.preset)
    try:
        result = export(preset, args.format)
    except ConfigError as e:  # a suggested rerun names the preset as the user wrote it
        if args.preset == preset.name:
            raise
        typed = f"--preset {shlex.quote(args.preset)} "
        raise ConfigError(e.where, e.message.replace(f"--preset {preset.name} ", typed)) from None
    if path is None:
        sys.stdout.write(result.text)
        return 0
    try:
        write_text_atomically(path, result.text, overwrite=args.force)
    except FileExistsError:
        raise ConfigError("-o", f"{path} already exists; add --force to replace it") from None
    except OSError as e:
        raise ConfigError("-o", f"cannot write {path}: {e.strerror or e}") from None
    if result.filename.endswith(".sh"):  # a launch script: any name runs
        said = f"a {args.format} launch script; run it as MODEL=<model> sh {shlex.quote(str(path))}"
    else:
        said = f"{args.format}; the server reads it as {result.filename}"
    print(f"wrote {path} ({said})", file=sys.stderr)
    for note in result.notes:
        print(f"  note: {note}", file=sys.stderr)
    return 0
