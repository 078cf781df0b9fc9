"""Benchmarks: diagnosis accuracy on the zoo and the acceptance cases, speed and memory at scale."""
