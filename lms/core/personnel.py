"""The one normal form of a personnel number (人员编号): how two spellings are found to be the
same cadre, wherever a number is looked up (roster import, offline and class-wide entry,
search, the admin's user form, login by username) and in the unique index
``cadre.personnel_key``.

- **Width and compatibility forms**: Unicode NFKC, so the full-width ``Ｗ０００３`` that Chinese
  input methods type is ``W0003``, and the full-width space is a space.
- **Spaces and invisible characters**: every whitespace character (also inside: a personnel
  number never holds one, it becomes a username) and every format character (zero-width
  space, the BOM Excel writes at the start of a CSV) is removed.
- **Case**: case-folded (``str.casefold``, then NFKC again, the Unicode "NFKC_Casefold" way),
  so ``wy0003`` and ``WY0003`` are one number.
- **Leading zeros are significant**: ``0003`` and ``3`` are different numbers, as they are in
  the personnel files. Excel drops the zeros of a number-looking cell, so a roster read from
  such a sheet may say ``3`` where the cadre is ``0003``; the import never guesses. A digits-only
  number that equals an existing cadre's only once leading zeros are ignored
  (``digits_without_zeros``) is refused with a reason that says so (lms/roster/planning.py):
  matching it silently could update the wrong cadre, and creating it would make a duplicate.
"""

import re
import unicodedata

_REMOVED = re.compile(r"\s+")


def clean_personnel_number(text) -> str:
    """The number as stored and shown: NFKC, without spaces or invisible characters; the case
    is kept (``" Ｗ０００３ "`` -> ``"W0003"``)."""
    text = unicodedata.normalize("NFKC", "" if text is None else str(text))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return _REMOVED.sub("", text)


def personnel_key(text) -> str:
    """The normal form two numbers are compared by: ``clean_personnel_number``, case-folded
    (``"ｗｙ０００３"``, ``"WY0003 "`` and ``"wy0003"`` -> ``"wy0003"``)."""
    return unicodedata.normalize("NFKC", clean_personnel_number(text).casefold())


def digits_without_zeros(key: str) -> str | None:
    """For a digits-only normal form, the digits without leading zeros (``"0003"`` -> ``"3"``,
    ``"000"`` -> ``"0"``); None for any other number. Two different numbers with the same
    value here differ only by zeros Excel may have dropped."""
    if not key or not key.isascii() or not key.isdigit():
        return None
    return key.lstrip("0") or "0"
