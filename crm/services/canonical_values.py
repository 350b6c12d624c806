"""Email addresses and link URLs are stored in one spelling, as Twenty stores them.

So ``Ada@Example.COM`` and ``ada@example.com`` are the same address to filters, duplicate
search and merges, and ``https://Acme.com/`` the same link as ``https://acme.com``.

- An email address is spelled as crm/email_spelling.py says (lowercase, its domain in
  Unicode with plain dots).
- A web link is spelled as crm/services/link_values.py says (as the browser's ``URL``
  class writes it, less one trailing ``/``).
"""

from __future__ import annotations

from typing import Any

from crm.email_spelling import canonical_email
from crm.services.link_values import link_url_spelling

# The sub-fields of each composite type whose values are stored in one spelling.
CANONICAL_SUB_FIELDS = {"EMAILS": ("primaryEmail", "additionalEmails"), "LINKS": ("primaryLinkUrl", "secondaryLinks")}


def canonical_sub_value(sub: str, value: Any) -> Any:
    """An EMAILS or LINKS sub-field's value in its one spelling; anything else as it is."""
    if sub == "primaryEmail" and isinstance(value, str):
        return canonical_email(value)
    if sub == "additionalEmails" and isinstance(value, list):
        return [canonical_email(item) if isinstance(item, str) else item for item in value]
    if sub == "primaryLinkUrl" and isinstance(value, str):
        return link_url_spelling(value)
    if sub == "secondaryLinks" and isinstance(value, list):
        return [
            {**item, "url": link_url_spelling(item["url"])}
            if isinstance(item, dict) and isinstance(item.get("url"), str)
            else item
            for item in value
        ]
    return value
