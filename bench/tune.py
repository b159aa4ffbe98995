"""How long does a tune take, and does the validated winner do on the real model what the
simulator said?

    python bench/tune.py [--rounds 3] [--seconds 5] [--rate 2000] [--width 512] [--depth 2]
                         [--validate-runs 3] [--profiles median,tail,shift]
                         [--skip-validation] [--only-generative] [--only-validation]

1. Tune time: ``tune_scenario`` for each policy alone (static, dynamic, predictive) on the
   default scenario (analytic t(n) = 2 + 0.05 n ms, Poisson 2,000 req/s, p99 SLO 20 ms) at the
   default budget (40 trials + 10 for the front, 2 s of arrivals per run), latency and
   throughput objectives. Goal (issue 12): under 10 s for the simulator search.
2. Validation gap: the mlp model (``--width``, ``--depth``) is profiled on this machine (batch
   sizes up to 1024, the search space's largest), each policy is tuned on that profile
   (latency and cost objectives, Poisson at ``--rate``, SLO 20 ms), and each winner is served
   live for ``--seconds`` on the wall clock (profile and live run under the same conditions:
   ``engine/tune/conditions.py``). Goal: predicted p99 within 15% of measured; a row beyond
   it is followed by the likely cause ``tune --validate`` prints. The profile carries the
   machine's wake-up lateness, which the search and the prediction charge (printed per
   round). It also keeps each size's batch-time distribution, timed after sleeps, and the
   after-idle shift: each policy is tuned and validated on the profile without either
   (``median``, each size priced by its median), with the distribution but not the shift
   (``tail``) and with both (``shift``, the profile as measured), served live one after the
   other (``--profiles`` picks which).
   Each winner is served ``--validate-runs`` times (``tune --validate-runs``): beside the gap
   (against the runs' median) each row gives the live runs' own p99 range and spread
   (max / min), and whether the prediction lies within that range, i.e. whether the gap is
   any bigger than this machine's run-to-run spread.
3. Generative tune time: ``tune_gen_scenario`` for each generative lane alone (continuous,
   and the request-level dynamic lane serving tokens) on ``batchtui tune --model analytic-llm``'s
   default scenario (Poisson 4 req/s, 256 prompt / 128 output tokens, DistServe's OPT-13B
   step cost), SLOs p99 TTFT 1,000 ms and TPOT 60 ms, at the default budget (40 + 10 trials,
   600 requests a run), latency and throughput objectives. Goal: under 10 s.
Each round re-profiles (this machine's speed drifts); medians over rounds are printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import machine, profile_without

from batchtui.engine.gen.run import GenScenario
from batchtui.engine.load import LoadSpec
from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import LaneSpec, Scenario
from batchtui.engine.tune import SearchConfig, TuneRequest, tune_scenario
from batchtui.engine.tune.backends import Inline
from batchtui.engine.tune.cost_model import profiled
from batchtui.engine.tune.gen_tuner import GenTuneRequest, tune_gen_scenario
from batchtui.engine.tune.validation import validate_runs, winner_scenario

KINDS = ("static", "dynamic", "predictive")
PROFILES = ("median", "tail", "shift")  # what each round prices by: see the docstring
GEN_KINDS = ("continuous", "dynamic")
GEN_RATE_RPS = 4.0  # batchtui tune --model analytic-llm's default load
PROFILE_MAX_BATCH = 1024  # the search space's largest batch


def tune_times(rounds: int) -> None:
    """Wall seconds of one policy's search at the default budget, median of ``rounds``."""
    print("\n# tune time, default budget (40 + 10 trials, 2 s runs), analytic, 2,000 req/s")
    print(f"{'objective':<11} {'policy':<11} {'median s':>9} {'runs s':>24}")
    for objective in ("latency", "throughput"):
        for kind in KINDS:
            scenario = Scenario(load=LoadSpec(rate_rps=2000.0), lanes=(LaneSpec(kind, kind),))
            request = TuneRequest(objective, slo_ms=20.0)
            runs = []
            for _ in range(rounds):
                started = time.perf_counter()
                tune_scenario(scenario, request, {}, SearchConfig(), Inline())
                runs.append(time.perf_counter() - started)
            shown = " ".join(f"{r:.2f}" for r in runs)
            print(f"{objective:<11} {kind:<11} {statistics.median(runs):9.2f} {shown:>24}")


def gen_tune_times(rounds: int) -> None:
    """Wall seconds of one generative lane's search at the default budget, median of
    ``rounds`` (a first, untimed search compiles the continuous kernel)."""
    print(
        "\n# generative tune time, default budget (40 + 10 trials, 600 requests a run), "
        "analytic-llm, 4 req/s, TTFT 1000 ms / TPOT 60 ms"
    )
    print(f"{'objective':<11} {'lane':<11} {'median s':>9} {'cpu s':>6} {'runs s':>18}  pick")
    warm = GenScenario(
        load=LoadSpec(rate_rps=GEN_RATE_RPS), lanes=(LaneSpec("continuous", "continuous"),)
    )
    tune_gen_scenario(
        warm, GenTuneRequest("latency", 1000.0, 60.0), {}, SearchConfig(trials=4), Inline()
    )
    for objective in ("latency", "throughput"):
        for kind in GEN_KINDS:
            scenario = GenScenario(
                load=LoadSpec(rate_rps=GEN_RATE_RPS), lanes=(LaneSpec(kind, kind),)
            )
            request = GenTuneRequest(objective, slo_ttft_ms=1000.0, slo_tpot_ms=60.0)
            runs, cpu, pick = [], [], "SLO not met"
            for _ in range(rounds):
                started, cpu_started = time.perf_counter(), time.process_time()
                (r,) = tune_gen_scenario(scenario, request, {}, SearchConfig(), Inline())
                runs.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
                if r.best is not None:
                    x = r.best.extra
                    pick = (
                        f"TTFT p99 {x['ttft_p99_ms']:.0f} ms, {x['output_tokens_per_s']:.0f} tok/s"
                    )
            shown = " ".join(f"{r:.2f}" for r in runs)
            median, cpu_s = statistics.median(runs), statistics.median(cpu)
            print(f"{objective:<11} {kind:<11} {median:9.2f} {cpu_s:6.2f} {shown:>18}  {pick}")


def validation_gaps(
    rounds: int,
    seconds: float,
    rate: float,
    width: int,
    depth: int,
    runs: int = 3,
    labels: tuple[str, ...] = PROFILES,
) -> None:
    """Predicted vs measured p99 of each tuned winner on the real mlp model, tuned per round
    on the same profile with less or more of what it measured (``PROFILES``), each winner
    served live ``runs`` times, its gap set beside the live runs' own spread."""
    print(
        f"\n# validation on mlp {width}x{depth} (cpu), Poisson {rate:g} req/s, SLO 20 ms, "
        f"{seconds:g} s live x {runs} runs (measured: their median)"
    )
    print(
        f"{'round':<6} {'objective':<10} {'policy':<11} {'profile':<7} {'pred p50':>9} "
        f"{'meas p50':>9} {'pred p99':>9} {'meas p99':>9} {'live p99 range':>15} "
        f"{'spread':>7} {'p99 gap':>8} {'within':>6}  load"
    )
    gaps: dict[tuple[str, str, str], list[float]] = {}
    spreads: dict[tuple[str, str, str], list[float]] = {}
    inside: dict[tuple[str, str, str], list[bool]] = {}
    model = ModelSpec("mlp", {"width": width, "depth": depth})
    base = Scenario(load=LoadSpec(rate_rps=rate), model=model, device="cpu")
    for i in range(rounds):
        with tempfile.TemporaryDirectory() as folder:
            cost = profiled(base, PROFILE_MAX_BATCH, Path(folder), None)
            costs = {
                "median": profile_without(cost, Path(folder), "batch_time"),
                "tail": profile_without(cost, Path(folder), "batch_time.after_idle"),
                "shift": cost,
            }
            costs = {label: costs[label] for label in labels}
            service = cost.build_service()
            wakeup = service.wakeup  # type: ignore[attr-defined]
            spread = service.batch_time  # type: ignore[attr-defined]
            charged = "none measured" if wakeup is None else wakeup.summary()
            print(f"{i + 1:<6} wake-up lateness charged: {charged}", flush=True)
            tail = "none measured" if spread is None else spread.summary()
            print(f"{i + 1:<6} batch-time tail (tail and shift rows): {tail}", flush=True)
            for objective in ("latency", "cost"):
                for kind in KINDS:
                    lane = LaneSpec(kind, kind)
                    live = dataclasses.replace(base, lanes=(lane,))
                    for label, profile in costs.items():
                        search = dataclasses.replace(profile, lanes=(lane,))
                        request = TuneRequest(objective, slo_ms=20.0)
                        (r,) = tune_scenario(search, request, {}, SearchConfig(), Inline())
                        assert r.best is not None, f"{kind}: SLO not met"
                        v = validate_runs(
                            winner_scenario(live, lane, r.best.params),
                            winner_scenario(search, lane, r.best.params),
                            seconds,
                            runs,
                        )
                        assert v is not None and len(v.runs) == runs
                        key = (objective, kind, label)
                        gap = v.error("p99_ms") or 0.0
                        gaps.setdefault(key, []).append(gap)
                        low, high = v.measured_range("p99_ms") or (v.measured["p99_ms"],) * 2
                        assert low is not None and high is not None
                        spreads.setdefault(key, []).append(high / low)
                        within = bool(v.predicted_within_range("p99_ms"))
                        inside.setdefault(key, []).append(within)
                        loads = [r.load_average or 0.0 for r in v.runs]
                        p, m = v.predicted, v.measured
                        print(
                            f"{i + 1:<6} {objective:<10} {kind:<11} {label:<7} "
                            f"{p['p50_ms']:9.3f} {m['p50_ms']:9.3f} {p['p99_ms']:9.3f} "
                            f"{m['p99_ms']:9.3f} {f'{low:.3f}-{high:.3f}':>15} "
                            f"{high / low:6.1f}x {gap:+8.1%} {'yes' if within else 'no':>6}  "
                            f"{min(loads):.2f}-{max(loads):.2f}  {v.device}",
                            flush=True,
                        )
                        if v.likely_cause:
                            print(f"{'':<6} likely cause: {v.likely_cause}", flush=True)
    print(
        "\nmedian p99 gap (measured median - predicted) / predicted; median live spread "
        "(max / min p99 of one winner's runs); rounds whose prediction lies within the runs' range:"
    )
    for key, values in gaps.items():
        objective, kind, label = key
        print(
            f"  {objective:<10} {kind:<11} {label:<7} {statistics.median(values):+8.1%}  "
            f"spread {statistics.median(spreads[key]):5.1f}x  "
            f"within {sum(inside[key])} of {len(inside[key])}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=2000.0)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--depth", type=int, default=2)
    parser.add_argument("--validate-runs", type=int, default=3)
    parser.add_argument("--profiles", default=",".join(PROFILES), help="some of median,tail,shift")
    parser.add_argument("--skip-validation", action="store_true")
    parser.add_argument("--only-generative", action="store_true")
    parser.add_argument("--only-validation", action="store_true")
    args = parser.parse_args()
    labels = tuple(args.profiles.split(","))
    if not set(labels) <= set(PROFILES) or args.validate_runs < 1:
        parser.error("--profiles takes some of median,tail,shift; --validate-runs at least 1")
    print(machine())
    if not args.only_generative and not args.only_validation:
        tune_times(args.rounds)
    if not args.only_validation:
        gen_tune_times(args.rounds)
    if not args.skip_validation and not args.only_generative:
        validation_gaps(
            args.rounds, args.seconds, args.rate, args.width, args.depth, args.validate_runs, labels
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
