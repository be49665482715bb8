"""The numbers that identify applicants, checked before a record is made of them.

A resident identity card number (GB 11643) and a unified social credit code (GB 32100) end in a
check character: a digit typed wrong at the window or on registration is caught there, instead
of filing the case under a record of its own that later visits, and their reused materials, never
find. Other documents (passports, permits) are taken as given.
"""
import re
from datetime import date

from engine.errors import Message

_ID_CARD = re.compile(r"\d{17}[\dX]")
_ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]  # 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, ...
_ID_CHECK = "10X98765432"  # by the weighted sum modulo 11
_USCC_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V or Z; a character's value is its place
_USCC = re.compile(f"[{_USCC_CHARACTERS}]{{18}}")
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, ...


# The documents an applicant may be known by; only the first two carry a check character.
DOCUMENTS = ("id_card", "uscc", "passport", "hk_macao_permit", "other")
_OTHER_DOCUMENT = re.compile(r"[A-Z0-9][A-Z0-9-]{3,31}")  # a passport's, a permit's number
_PHONE = re.compile(r"1\d{10}|0\d{2,3}-?\d{7,8}")  # a mobile, or a landline with its area code
MAX_NAME = 100  # the longest company names are about 60 characters; the column holds 200


def problem(id_type: str, number: str) -> Message | None:
    """What is wrong with the number (upper-case, as stored), or None."""
    if id_type not in DOCUMENTS:
        return Message("Unknown kind of identity document %(type)s; known: %(known)s", type=repr(id_type),
                       known=", ".join(DOCUMENTS))
    if id_type == "id_card":
        return _id_card_problem(number)
    if id_type == "uscc":
        return _uscc_problem(number)
    if not _OTHER_DOCUMENT.fullmatch(number):
        return Message("A document number has 4 to 32 letters, digits or hyphens")
    return None


def name_problem(name: str) -> Message | None:
    if len(name) > MAX_NAME:
        return Message("A name has at most %(count)s characters", count=MAX_NAME)
    return None


def phone_problem(phone: str) -> Message | None:
    """What is wrong with a phone number given at the window (spaces removed), or None."""
    if not _PHONE.fullmatch(phone):
        return Message("A phone number is a mobile number of 11 digits, or a landline number with its area code")
    return None


def _id_card_problem(number: str) -> Message | None:
    if not _ID_CARD.fullmatch(number):
        return Message("A resident identity card number has 18 characters: 17 digits, then a digit or X")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return Message("The identity card number holds no valid date of birth (characters 7 to 14)")
    if _ID_CHECK[sum(int(d) * w for d, w in zip(number, _ID_WEIGHTS)) % 11] != number[17]:
        return Message("The identity card number's last character does not match the others: check the number")
    return None


def _uscc_problem(code: str) -> Message | None:
    if not _USCC.fullmatch(code):
        return Message("A unified social credit code has 18 characters: digits and capital letters other than I, O, S, V and Z")
    total = sum(_USCC_CHARACTERS.index(c) * w for c, w in zip(code, _USCC_WEIGHTS))
    if _USCC_CHARACTERS[-total % 31] != code[17]:
        return Message("The unified social credit code's last character does not match the others: check the code")
    return None
