"""`rasa run` with the API token read from the environment, never from the command line.

Finding 14: ``rasa run --auth-token <token>`` puts the token in ``/proc/<pid>/cmdline``, which
every local user can read, and with it the tracker API returns every conversation. This starts
the very same CLI in-process with the token taken from ``RASA_TOKEN`` (the process environment
is readable only by its own user); the argument list the kernel shows never holds it.

    RASA_TOKEN=... .venv/bin/python serve.py -i 127.0.0.1 -p 5005 --model models \\
        --endpoints endpoints.yml --credentials credentials.yml
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> None:
    token = os.environ.get("RASA_TOKEN", "")
    if not token:
        sys.exit("RASA_TOKEN: required (the Rasa HTTP API is never started without a token)")
    if any(arg == "--auth-token" or arg.startswith("--auth-token=") for arg in argv):
        sys.exit("--auth-token: pass the token in RASA_TOKEN, not on the command line")
    from rasa.__main__ import main as rasa_main

    # Only this process's own copy of its arguments changes; /proc/<pid>/cmdline does not.
    sys.argv = ["rasa", "run", "--enable-api", "--auth-token", token, *argv]
    sys.exit(rasa_main())


if __name__ == "__main__":
    main(sys.argv[1:])
