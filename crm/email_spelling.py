"""The one spelling of an email address, as Twenty stores it, so ``Ada@Example.COM`` and
``ada@example.com`` are the same address to writes, filters, duplicate search and merges.

An address is lowercased, and its domain written with plain dots (the full-width and
ideographic dots some keyboards type are the same separator to DNS) and without the
trailing dot of a fully qualified name. A domain sent in its ASCII form
(``xn--mnchen-3ya.de``) is kept in Unicode (``münchen.de``), as Twenty keeps it.

Its own module, below both the record services (which store addresses so) and the query
compiler (which reads filter values so).
"""

from __future__ import annotations

# The characters IDNA reads as a label separator, besides ".".
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def canonical_email(address: str) -> str:
    local, at, domain = address.lower().rpartition("@")
    if not at:
        return address.lower()
    domain = domain.translate(_DOTS).rstrip(".")
    return f"{local}@{'.'.join(_unicode_label(label) for label in domain.split('.'))}"


def _unicode_label(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return label.encode("ascii").decode("idna")
    except UnicodeError:
        return label  # not valid punycode: kept as sent
