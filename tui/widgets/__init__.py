"""Widgets of our own that the dashboard's panels are built from."""

from batchtui.tui.widgets.slider import Slider

__all__ = ["Slider"]
