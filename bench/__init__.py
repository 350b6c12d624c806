"""Benchmarks: the product against a bare floor app doing the same work (``make bench``)."""
