"""The dashboard's screen areas: load bar, lane panels, comparison strip, status line."""
