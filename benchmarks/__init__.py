"""Benchmarks for litellm-mimo: ``python -m benchmarks.run [--quick] [--json PATH]``."""
