"""Benchmarks, kept apart from the tests. `make bench` runs `python -m bench`."""
