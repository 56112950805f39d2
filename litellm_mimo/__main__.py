"""``python -m litellm_mimo``: the ``litellm-mimo`` command (see ``cli.py``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m litellm_mimo"))
