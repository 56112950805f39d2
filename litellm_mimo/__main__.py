"""``python -m litellm_mimo doctor``: see ``doctor.py``."""

import sys

from . import doctor

if __name__ == "__main__":
    if sys.argv[1:] != ["doctor"]:
        sys.exit("usage: python -m litellm_mimo doctor   (checks what works with your MiMo key)")
    sys.exit(doctor.run())
