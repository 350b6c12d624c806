"""Phone numbers checked and completed as Twenty does it (with libphonenumber; here its
Python port, ``phonenumbers``), so a number reads back as Twenty would answer it.

Each phone, the primary one and every additional one, has a ``number``, a
``countryCode`` (``FR``) and a ``callingCode`` (``+33``):

- a country code must be a country libphonenumber knows, a calling code one that some
  country has, and the two must agree;
- a number must parse: one starting with ``+`` says its own calling code, one without
  is read as a national number of the country (or calling code) given, and a number
  with neither is refused;
- what the number says must agree with the codes given; the codes not given are filled
  in from it, and the number is kept as its national number, so ``+33 6 12 34 56 78``
  is stored as ``612345678``, ``FR`` and ``+33``.

Only what is sent is read and written: an update that sends a calling code alone
leaves the number as it is.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
from phonenumbers import NumberParseException

from crm.services.input_errors import TwentyWordedError

# Twenty's sub-field names of the primary phone, by the part of a phone they hold.
PRIMARY = {
    "number": "primaryPhoneNumber",
    "countryCode": "primaryPhoneCountryCode",
    "callingCode": "primaryPhoneCallingCode",
}
NON_GEOGRAPHIC = "001"


class PhoneError(TwentyWordedError):
    """A phone that cannot be stored; ``part`` is what is wrong (a part of a phone, or
    the PHONES sub-field once ``complete_phones`` has said which). Twenty's server gives
    the same sentence as its message and as the one its front end shows."""

    def __init__(self, message: str, part: str) -> None:
        super().__init__(message, part, message)


def complete_phones(sent: dict[str, Any]) -> dict[str, Any]:
    """The sub-values of a PHONES field as they are stored (see the module's docstring)."""
    completed = dict(sent)
    if any(name in sent for name in PRIMARY.values()):
        try:
            primary = complete_phone({part: sent[name] for part, name in PRIMARY.items() if name in sent})
        except PhoneError as error:
            raise PhoneError(str(error), PRIMARY[error.part]) from None
        completed.update({PRIMARY[part]: value for part, value in primary.items()})
    if isinstance(sent.get("additionalPhones"), list):
        try:
            completed["additionalPhones"] = [
                complete_phone(item) if isinstance(item, dict) else item for item in sent["additionalPhones"]
            ]
        except PhoneError as error:
            raise PhoneError(str(error), "additionalPhones") from None
    return completed


def complete_phone(phone: dict[str, Any]) -> dict[str, Any]:
    """One phone (``number``, ``countryCode``, ``callingCode``; those sent) checked and completed."""
    number, country, calling = (phone.get(part) or "" for part in ("number", "countryCode", "callingCode"))
    _check_codes(country, calling)
    if not number:
        return dict(phone)
    parsed = _parse(number, country, calling)
    found_country = phonenumbers.region_code_for_number(parsed) or ""
    found_calling = str(parsed.country_code)
    if country and found_country and found_country != country:
        raise PhoneError("Provided and inferred country code are conflicting", "countryCode")
    if calling and calling.replace("+", "") != found_calling:
        raise PhoneError("Provided and inferred calling code are conflicting", "callingCode")
    completed = {**phone, "number": phonenumbers.national_significant_number(parsed)}
    completed["callingCode"] = calling or f"+{found_calling}"
    if country or found_country:
        completed["countryCode"] = country or found_country
    return completed


def _check_codes(country: str, calling: str) -> None:
    if country and country not in phonenumbers.SUPPORTED_REGIONS:
        raise PhoneError(f"Invalid country code {country}", "countryCode")
    if not calling:
        return
    digits = calling.replace("+", "")
    countries = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(digits), ()) if digits.isdigit() else ()
    countries = [code for code in countries if code != NON_GEOGRAPHIC]
    if not countries:
        raise PhoneError(f"Invalid calling code {calling}", "callingCode")
    if country and country not in countries:
        raise PhoneError("Provided country code and calling code are conflicting", "callingCode")


def _parse(number: str, country: str, calling: str) -> phonenumbers.PhoneNumber:
    # A national number is read in the country given, else in the main country of the
    # calling code given (the one whose rules libphonenumber applies to that code).
    region = country or (phonenumbers.region_code_for_country_code(int(calling.replace("+", ""))) if calling else None)
    try:
        return phonenumbers.parse(number, region)
    except NumberParseException:
        raise PhoneError(f"Provided phone number is invalid {number}", "number") from None
