"""Twenty's test of an API name: it must read the same after lodash's ``camelCase``.

``camelCase`` splits a name into words (where lower case meets upper case, letters meet
digits, or a run of capitals ends before a capitalised word), lower-cases them and
capitalises each but the first. So ``myUrl`` and ``address2Street`` pass, while
``myURL`` (``myUrl``) and ``line2b`` (``line2B``) do not. Names here are already ASCII
letters and digits (metadata_rules.NAME_RE), for which these are lodash's word rules.
"""

from __future__ import annotations

import re

# The word pattern of lodash.camelcase 4.3 (the package Twenty uses), for ASCII letters
# and digits, in its order of alternatives.
_WORD = re.compile(
    r"[A-Z]?[a-z]+(?=[A-Z]|$)"  # a word followed by a capital or the end
    r"|[A-Z]+(?=[A-Z][a-z]|$)"  # capitals before a capitalised word, or at the end
    r"|[A-Z]?[a-z]+"
    r"|[A-Z]+"
    r"|\d+"
)


def lodash_camel_case(name: str) -> str:
    words = [word.lower() for word in _WORD.findall(name)]
    return "".join(word if index == 0 else word[:1].upper() + word[1:] for index, word in enumerate(words))


def not_camel_case(name: str) -> str | None:
    """Twenty's refusal of ``name``, or None when it is camelCase as lodash writes it."""
    if lodash_camel_case(name) == name:
        return None
    return f"Name should be in camelCase: {name}"
