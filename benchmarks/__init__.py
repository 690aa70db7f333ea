"""Benchmarks anyone can rerun: ``python -m benchmarks [name ...]`` (``make bench``)."""
