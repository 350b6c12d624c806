"""Benchmarks entry point (``make bench``)."""

print("no benchmarks yet")
