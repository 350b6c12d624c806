"""Links checked, cleaned up and spelled as Twenty does it, so a LINKS field reads back
as Twenty would answer it.

A LINKS field has a primary link (``primaryLinkUrl``, ``primaryLinkLabel``) and a list of
``secondaryLinks`` (``{"url", "label"}``). On every write:

- a link without a URL is dropped, and each URL left must be a web address: an http(s)
  URL, or a host name with an optional path (``example.com/about``), whose host has at
  least one dot (or is an IPv4 address or ``localhost``). Anything else is refused with
  Twenty's words, "The URL of the link is not valid";
- an http(s) URL is rebuilt as the browser's ``URL`` class rebuilds it (ada, the parser
  Node.js's ``URL`` uses): lowercase scheme and host, the host in its ASCII (punycode)
  form, no default port and no ``user:password@``, other characters than ASCII
  percent-encoded and what was already encoded kept as sent; then one trailing ``/`` is
  removed. A host name without a scheme is kept as sent.

A write that sends all three sub-fields describes every link there is, so the first link
left becomes the primary one: a primary link left empty is filled from the secondary
links. A write that sends some of them changes only those: an empty primary URL clears
its label too, and the secondary links are never moved up.
"""

from __future__ import annotations

import re
from typing import Any

from ada_url import URL

from crm.services.input_errors import TwentyWordedError

MESSAGE = "The URL of the link is not valid"
# What Twenty's front end shows.
USER_FRIENDLY = "Invalid URL format."
WHOLE = ("primaryLinkUrl", "primaryLinkLabel", "secondaryLinks")
WEB_SCHEMES = ("http://", "https://", "HTTP://", "HTTPS://")
# Without a scheme, a number (with at most one path segment of letters) is not taken for
# an address: the URL parser would read it as an IPv4 address (``2`` is ``0.0.0.2``).
_NUMBER = re.compile(r"\d+(?:/[a-zA-Z]*)?", re.ASCII)
_IPV4 = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}", re.ASCII)
_LABEL = re.compile(r"_?[a-z0-9-]{0,62}[a-z0-9]", re.ASCII)
_LAST_LABEL = re.compile(r"[a-z0-9][a-z0-9-]{0,63}", re.ASCII)
MAX_LABELS = 12


class LinkError(TwentyWordedError):
    """A link that cannot be stored; ``part`` is the sub-field that holds it."""

    def __init__(self, part: str) -> None:
        super().__init__(MESSAGE, part, USER_FRIENDLY)


def clean_links(sent: dict[str, Any]) -> dict[str, Any]:
    """The sub-values of a LINKS field as they are stored (see the module's docstring);
    None where a sub-field is left empty."""
    if all(name in sent for name in WHOLE):
        primary = sent["primaryLinkUrl"]
        links = []
        if _non_empty(primary):
            links.append({"url": _checked_and_spelled(primary, "primaryLinkUrl"), "label": sent["primaryLinkLabel"]})
        links += _kept(sent["secondaryLinks"] or [], "secondaryLinks")
        head = links[0] if links else {}
        return {
            "primaryLinkUrl": head.get("url"),
            "primaryLinkLabel": head.get("label"),
            "secondaryLinks": links[1:],
        }
    cleaned = dict(sent)
    if "primaryLinkUrl" in sent:
        url = sent["primaryLinkUrl"]
        if _non_empty(url):
            cleaned["primaryLinkUrl"] = _checked_and_spelled(url, "primaryLinkUrl")
        else:
            # A label on its own is not a link.
            cleaned["primaryLinkUrl"] = cleaned["primaryLinkLabel"] = None
    if "secondaryLinks" in sent:
        cleaned["secondaryLinks"] = _kept(sent["secondaryLinks"] or [], "secondaryLinks")
    return cleaned


def _kept(links: list[Any], part: str) -> list[dict[str, Any]]:
    """The links that have a URL, each checked and spelled, with only its url and label."""
    kept = []
    for link in links:
        if not isinstance(link, dict) or not _non_empty(link.get("url")):
            continue
        item = {"url": _checked_and_spelled(link["url"], part)}
        if "label" in link:
            item["label"] = link["label"]
        kept.append(item)
    return kept


def _checked_and_spelled(url: str, part: str) -> str:
    if not is_valid_link_url(url):
        raise LinkError(part)
    return link_url_spelling(url)


def _non_empty(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def is_valid_link_url(url: str) -> bool:
    """A web address as Twenty takes one: read as https when it has no scheme."""
    value = url.strip()
    absolute = value if value.startswith(WEB_SCHEMES) else f"https://{value}"
    without_scheme = absolute
    for scheme in WEB_SCHEMES:
        without_scheme = without_scheme.replace(scheme, "", 1)
    if _NUMBER.fullmatch(without_scheme):
        return False
    try:
        host = URL(absolute).hostname
    except ValueError:
        return False
    return _is_web_host(host)


def _is_web_host(host: str) -> bool:
    if host == "localhost" or _IPV4.fullmatch(host):
        return True
    labels = host.split(".")
    *leading, last = labels
    return (
        1 < len(labels) <= MAX_LABELS
        and all(_LABEL.fullmatch(label) and not label.startswith("-") for label in leading)
        and bool(_LAST_LABEL.fullmatch(last))
    )


def link_url_spelling(url: str) -> str:
    """An http(s) URL as the browser's ``URL`` class writes it, less one trailing ``/``;
    anything else (a host name without a scheme) as sent."""
    try:
        parsed = URL(url)
    except ValueError:
        return url
    # Twenty would write "null" for the origin of a URL with another scheme
    # ("mailto:ada@example.com" passes its check as a host with a user name); such a URL
    # is kept as sent instead.
    if parsed.protocol not in ("http:", "https:"):
        return url
    spelled = parsed.origin + parsed.pathname + parsed.search + parsed.hash
    return spelled[:-1] if spelled.endswith("/") else spelled
