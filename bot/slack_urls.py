"""Where a response_url may point: Slack's own hosts, derived from the configured Slack API URL.

A response_url (from a payload, or carried by a modal in `private_metadata`) lets anyone post into a
conversation for 30 minutes, and the bot posts its answers to it. Only Slack's hosts are trusted with
those posts: `https://hooks.slack.com`, the host of SLACK_API_URL (where a test stand-in such as the fake
Slack hands out its response URLs) and `https://hooks.<that host>` (GovSlack's `slack-gov.com` has its
hooks on `hooks.slack-gov.com`). Origins are compared whole: scheme, host and port.
"""

from __future__ import annotations

import ipaddress
from functools import cache
from urllib.parse import urlsplit

SLACK_HOOKS = "https://hooks.slack.com"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of an http(s) URL, lower-cased, default port left out; None if not one."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # a port that is not a number, an unbalanced [
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host or parts.username is not None or parts.password is not None:
        return None
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


@cache
def response_url_origins(slack_api_url: str) -> frozenset[str]:
    """The origins a response_url may have, for the Slack API at `slack_api_url`."""
    origins = {SLACK_HOOKS}
    api = origin_of(slack_api_url)
    if api is not None:
        origins.add(api)
        host = urlsplit(slack_api_url).hostname or ""
        if api.startswith("https://") and not _is_ip(host):
            origins.add(f"https://hooks.{host.lower()}")
    return frozenset(origins)


def is_response_url(url: object, slack_api_url: str) -> bool:
    """True when `url` is an http(s) URL on one of Slack's hosts (see the module docstring)."""
    if not isinstance(url, str):
        return False
    return origin_of(url) in response_url_origins(slack_api_url)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
