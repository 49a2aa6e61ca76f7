"""A region's roll-up: sites send exact aggregate counts (a *submission*, sealed to the
region's store), the region keeps them, sums them and only then applies disclosure control.

- :mod:`~outreach.region.submission`: what a submission holds, and writing one at a site;
- :mod:`~outreach.region.inbox`: the sites a region trusts, and adding their submissions;
- :mod:`~outreach.region.rollup`: the region's table of a period, and its export.
"""
