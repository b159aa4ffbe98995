"""The ``batchtui`` command line: one parser, one readable line per mistake, no tracebacks."""

from __future__ import annotations

import argparse
import os
import select
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any, NoReturn

from batchtui.engine.errors import ConfigError
from batchtui.engine.plugins import check_plugins
from batchtui.tui import (
    dashboard_command,
    export_command,
    presets_command,
    profile_command,
    run_command,
    sweep_command,
    trace_command,
    tune_command,
)


class CliError(Exception):
    """A mistake in what the user typed: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line naming the argument, not a usage dump.

    Abbreviated flags are off: the top-level parser would otherwise match a command's flag
    against its own (``run --mode`` as ``--model``), and a prefix can change meaning later.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message} (see '{self.prog} --help')")


class _Commands(argparse._SubParsersAction):
    """The COMMAND argument; refuses dashboard flags written before a command, which that
    command would otherwise silently ignore."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        for action in parser._actions:
            if action.option_strings and hasattr(namespace, action.dest):
                flag = action.option_strings[0]
                raise CliError(
                    f"{flag}: dashboard flags go without a command; for '{values[0]}', write "
                    f"it after the command (batchtui {values[0]} {flag} ...)"
                )
        super().__call__(parser, namespace, values, option_string)


def _version() -> str:
    try:
        return version("batchtui")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="batchtui",
        description=(
            "Tune how model inference requests are batched: compare static, dynamic and "
            "predictive batchers on the same load and see p50/p99 latency and throughput. "
            + dashboard_command.DASHBOARD_HELP
            + "."
        ),
    )
    parser.add_argument("--version", action="version", version=f"batchtui {_version()}")
    dashboard_command.add_arguments(parser)
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser, action=_Commands
    )
    run_command.add_parser(commands)
    profile_command.add_parser(commands)
    presets_command.add_parser(commands)
    export_command.add_parser(commands)
    trace_command.add_parser(commands)
    sweep_command.add_parser(commands)
    tune_command.add_parser(commands)
    return parser


def _stdout_is_gone() -> bool:
    """Whether stdout is a pipe whose reader has closed it (poll says POLLERR); where poll
    cannot tell (no poll, no file descriptor), a broken pipe is taken to be stdout's."""
    try:
        poll = select.poll()
        poll.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poll.poll(0))
    except (AttributeError, OSError, ValueError):
        return True


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``batchtui`` console script; returns the exit status."""
    parser = build_parser()
    try:
        check_plugins()  # a plugin that failed to import is one line, not a traceback
        args = parser.parse_args(argv)
        if args.command is None:
            return dashboard_command.run(args)
        status = int(args.handler(args))
        sys.stdout.flush()  # here, so that a reader gone early is caught below, not at exit
        return status
    except BrokenPipeError:  # `batchtui presets | head`: the reader had enough; no traceback
        if not _stdout_is_gone():
            raise  # another pipe (an engine's, a worker's) broke: that is a real error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nor at exit's flush
        return 128 + 13  # as a shell reports a program SIGPIPE ended (13; none on Windows)
    except CliError as e:
        print(f"batchtui: error: {e}", file=sys.stderr)
        return 2
    except ConfigError as e:
        print(f"batchtui: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("batchtui: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
