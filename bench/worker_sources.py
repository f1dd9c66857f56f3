"""Loaded into the benchmark's Celery worker (`-I bench.worker_sources`): the fake computed sources of
bench_scoring, so the worker scores the same 2,844 × 50 scheme as the in-process benchmark."""

from bench.bench_scoring import register_sources

register_sources()
