"""What the dashboard costs: its own CPU, and whether it perturbs the engine's figures.

    python bench/ui_cost.py [--seconds 30] [--model mlp]

1. Headless: the engine process (EngineClient, paced to the wall clock, the same scenario
   and seed as the dashboard's default) runs for ``--seconds`` with nobody drawing.
2. With the UI: the real dashboard (Textual, headless driver, 160x48) runs the same
   scenario for the same time; the UI process's CPU time is measured with
   ``time.process_time()`` (the engine runs in its own process and is not counted).
3. Each lane's since-start p99 from the last snapshot of each run, and their ratio;
   repeated ``--rounds`` times (p99 of a lane sending 1-2 requests a batch moves by 30%
   between identical runs here), reporting medians.

Goals (issue 5): UI process under 25% of one core; p99 with UI within 5% of headless.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from common import machine

from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import Scenario
from batchtui.engine.session import EngineClient, Snapshot
from batchtui.tui.app import BatchTuiApp
from batchtui.tui.cpu import keep_ui_on_first_core
from batchtui.tui.dashboard_scenario import dashboard_scenario


def headless(scenario: Scenario, seconds: float) -> Snapshot:
    client = EngineClient(scenario)
    last = None
    started = None
    try:
        while True:
            for event in client.events(timeout=0.1):
                if isinstance(event, Snapshot):
                    last = event
                    started = started or time.monotonic()
            if started and time.monotonic() - started >= seconds:
                return last
    finally:
        client.close()


async def with_ui(
    scenario: Scenario, seconds: float, size: tuple[int, int]
) -> tuple[Snapshot, float]:
    keep_ui_on_first_core()  # as `batchtui` does
    app = BatchTuiApp(scenario)
    async with app.run_test(size=size) as pilot:
        while app.snapshot is None:
            await pilot.pause(0.1)
        cpu0, wall0 = time.process_time(), time.monotonic()
        await pilot.pause(seconds)
        cpu = (time.process_time() - cpu0) / (time.monotonic() - wall0)
        snap = app.snapshot
        await pilot.press("q")
    return snap, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", default="mlp")
    parser.add_argument("--size", default="160x48", help="terminal size, e.g. 80x24 (compact)")
    args = parser.parse_args()
    scenario = dashboard_scenario(model=ModelSpec(args.model))
    width, height = (int(x) for x in args.size.split("x"))
    print(f"machine: {machine()}")
    print(
        f"scenario: {args.model}, {scenario.load.pattern} {scenario.load.rate_rps:g} req/s; "
        f"{args.rounds} rounds of {args.seconds:g} s headless then {args.seconds:g} s with "
        f"the UI at {args.size}\n"
    )
    ratios: dict[str, list[float]] = {}
    cpus = []
    for round_ in range(1, args.rounds + 1):
        alone = headless(scenario, args.seconds)
        ui, cpu = asyncio.run(with_ui(scenario, args.seconds, (width, height)))
        cpus.append(cpu)
        print(
            f"round {round_}: UI CPU {cpu:.1%} of one core; pace headless {alone.pace:.2f}, "
            f"with UI {ui.pace:.2f}"
        )
        for a, b in zip(alone.total, ui.total, strict=True):
            ratio = b.latency.p99 / a.latency.p99
            ratios.setdefault(a.name, []).append(ratio)
            print(
                f"  {a.name:<11} p99 headless {a.latency.p99:7.2f}  with UI "
                f"{b.latency.p99:7.2f}  ratio {ratio:5.2f}"
            )
    print(f"\nUI process CPU, median: {statistics.median(cpus):.1%} of one core (goal < 25%)")
    for name, values in ratios.items():
        print(
            f"p99 with UI / headless, median: {name:<11} {statistics.median(values):.2f} "
            f"(goal <= 1.05)"
        )


if __name__ == "__main__":
    main()
