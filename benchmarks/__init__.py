"""Benchmarks anyone can rerun: ``python -m benchmarks [name ...]`` (``make bench``)."""

import facegender  # noqa: F401,E402  (first: it sets one BLAS thread before NumPy loads)
