"""Benchmarks for litellm-mimo: ``python -m benchmarks.run [--quick] [--json PATH]`` (from the repo root)."""

import os

# Set here, before any benchmark module imports LiteLLM: no price-map download, quiet logs.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ.setdefault("LITELLM_LOG", "ERROR")
