"""Generative models served token by token: workload, step cost, lanes and their figures."""

from batchtui.engine.gen.continuous import Continuous, StepPlan, StepResult
from batchtui.engine.gen.cost import StepCost
from batchtui.engine.gen.run import GEN_RUN_FORMAT, GenScenario, run_generative
from batchtui.engine.gen.workload import GenRequests, gen_requests

__all__ = [
    "GEN_RUN_FORMAT",
    "Continuous",
    "GenRequests",
    "GenScenario",
    "StepCost",
    "StepPlan",
    "StepResult",
    "gen_requests",
    "run_generative",
]
