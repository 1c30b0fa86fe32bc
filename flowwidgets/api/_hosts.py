"""Host-name helpers shared by the region table, the auth flows and the error mapping."""

from __future__ import annotations


def domain_of_host(host: str) -> str:
    """Return the domain part of an ``api.<domain>`` or ``login.<domain>`` host name.

    Any other host (for example ``127.0.0.1``) is returned unchanged, lower-cased.
    """
    host = host.lower()
    for prefix in ("api.", "login."):
        if host.startswith(prefix):
            return host[len(prefix) :]
    return host
