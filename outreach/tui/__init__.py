"""The terminal application staff use all day. Built by :func:`outreach.tui.app.create_app`.

It reaches data only through services, stats and exports, in thread workers.
"""
