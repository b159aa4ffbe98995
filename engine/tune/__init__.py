"""Sweep and tune: the simulator searches each lane's knobs for an objective under an SLO."""

from batchtui.engine.tune.objectives import OBJECTIVES
from batchtui.engine.tune.search import LaneTune, SearchConfig, tune_lane
from batchtui.engine.tune.sweep import Sweep, sweep
from batchtui.engine.tune.trial import TrialResult, TrialSetup, evaluate
from batchtui.engine.tune.tuner import TuneRequest, chosen, lane_setup, tune_scenario

__all__ = [
    "OBJECTIVES",
    "LaneTune",
    "SearchConfig",
    "Sweep",
    "TrialResult",
    "TrialSetup",
    "TuneRequest",
    "chosen",
    "evaluate",
    "lane_setup",
    "sweep",
    "tune_lane",
    "tune_scenario",
]
