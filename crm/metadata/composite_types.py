"""Sub-fields of Twenty's composite field types, in the order Twenty lists them."""

from dataclasses import dataclass

# A rich-text body: its Markdown, and the editor's document (BlockNote JSON), which is
# several times longer than the text it holds.
RICH_TEXT_MARKDOWN_MAX = 100_000
RICH_TEXT_BLOCKNOTE_MAX = 500_000


@dataclass(frozen=True)
class SubFieldSpec:
    name: str
    # text | list | bigint | float | uuid: decides validation, filtering and OpenAPI types.
    kind: str
    # Longest text accepted; None for the defaults (255, or 2048 for URLs).
    max_length: int | None = None


COMPOSITE_TYPES: dict[str, tuple[SubFieldSpec, ...]] = {
    "FULL_NAME": (SubFieldSpec("firstName", "text"), SubFieldSpec("lastName", "text")),
    "EMAILS": (SubFieldSpec("primaryEmail", "text"), SubFieldSpec("additionalEmails", "list")),
    "PHONES": (
        SubFieldSpec("primaryPhoneNumber", "text"),
        SubFieldSpec("primaryPhoneCountryCode", "text"),
        SubFieldSpec("primaryPhoneCallingCode", "text"),
        SubFieldSpec("additionalPhones", "list"),
    ),
    "LINKS": (
        SubFieldSpec("primaryLinkUrl", "text"),
        SubFieldSpec("primaryLinkLabel", "text"),
        SubFieldSpec("secondaryLinks", "list"),
    ),
    "CURRENCY": (SubFieldSpec("amountMicros", "bigint"), SubFieldSpec("currencyCode", "text")),
    "ADDRESS": (
        SubFieldSpec("addressStreet1", "text"),
        SubFieldSpec("addressStreet2", "text"),
        SubFieldSpec("addressCity", "text"),
        SubFieldSpec("addressState", "text"),
        SubFieldSpec("addressPostcode", "text"),
        SubFieldSpec("addressCountry", "text"),
        SubFieldSpec("addressLat", "float"),
        SubFieldSpec("addressLng", "float"),
    ),
    "RICH_TEXT_V2": (
        SubFieldSpec("blocknote", "text", RICH_TEXT_BLOCKNOTE_MAX),
        SubFieldSpec("markdown", "text", RICH_TEXT_MARKDOWN_MAX),
    ),
    "ACTOR": (
        SubFieldSpec("source", "text"),
        SubFieldSpec("workspaceMemberId", "uuid"),
        SubFieldSpec("name", "text"),
    ),
}


def is_composite(field_type: str) -> bool:
    return field_type in COMPOSITE_TYPES
