"""`faqbot health`: ask a running bot's `/healthz`. Kept apart from the server so the check loads no engine: a
container runs it every 30 seconds."""

from __future__ import annotations

import urllib.error
import urllib.request


def probe(host: str, port: int, timeout: float = 5.0) -> tuple[bool, str]:
    """Ask a running bot's `/healthz` (for `faqbot health`, container health checks and monitoring scripts)."""
    local = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    url = f"http://{f'[{local}]' if ':' in local else local}:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200, response.read().decode()
    except urllib.error.HTTPError as exc:
        return False, exc.read().decode()
    except OSError as exc:
        return False, f"no answer from {url}: {exc}"
