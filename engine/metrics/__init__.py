"""Metrics: per-lane figures computed from the batch log, as immutable snapshots."""

from batchtui.engine.metrics.lane_stats import LaneStats, lane_stats
from batchtui.engine.metrics.summary import Summary, summarize

__all__ = ["LaneStats", "Summary", "lane_stats", "summarize"]
