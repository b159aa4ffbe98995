"""Modal screens of the dashboard: help, export a preset, load a preset."""
