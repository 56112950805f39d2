"""``python -m mimo_standin --port 8999``: the stand-in alone, printing its base URL."""

from .server import main

if __name__ == "__main__":
    main(prog="python -m mimo_standin")
