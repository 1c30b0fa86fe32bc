"""Benchmarks for flowwidgets, run as scripts (``python -m bench.<name>``), never as timed tests."""
