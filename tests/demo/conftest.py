"""Tests of the demo store: the generator, its determinism, the demo command and the figures the
full-size demo publishes."""
