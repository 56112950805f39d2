import os

# Set before anything imports LiteLLM, for the tests and the benchmarks alike: there may be no internet, and LiteLLM would otherwise try to
# fetch its price map at import (three attempts, about 7 s, then its bundled copy).
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
