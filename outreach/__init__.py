"""outreach: an offline, encrypted tracker for peer-mentor outreach and screening uptake.

This package never imports Textual outside ``outreach.tui``; a test enforces it.
"""

__version__ = "0.1.0"
