"""The container healthcheck's command: ``python -m core.probe [URL]``, exit 0 when URL answers
200 within 4 seconds, 1 otherwise (default: the liveness address of gunicorn in its container,
http://127.0.0.1:8000/healthz). Standard library only, so it starts in a few milliseconds and
imports no Django. Sends no Host or proxy header: it asks as Docker's healthcheck does.
"""

import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/healthz"


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else DEFAULT_URL
    try:
        with urllib.request.urlopen(url, timeout=4) as response:  # noqa: S310 (http, ours)  # nosec B310
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        print(f"{url}: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"{url}: {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
