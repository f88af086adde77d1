"""Personal data never leaves through Open311.

Reporters and callers are never named: no Open311 answer carries a reporter, an account or the contact details a
submitter gave. Free text is another matter: a caller dictating "my number is 13812345678" puts it in the
description. Texts going out are therefore masked for the usual Chinese identifiers (mobile and fixed-line
numbers, ID-card numbers, e-mail addresses), keeping enough to recognise them (138****5678) and nothing to use.
"""

from __future__ import annotations

import re

_ID_CARD = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(\+?86[- ]?)?(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[- ]?\d{3,4}(\d{4})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# Anything the patterns above could match has seven digits in a row (allowing one separator) or an @: texts
# without (most of them) are returned after this one search instead of four substitutions.
_MAYBE = re.compile(r"\d{3}[- ]?\d{4}|@")


def mask_personal(text: str | None) -> str | None:
    if not text or not _MAYBE.search(text):
        return text
    text = _ID_CARD.sub(r"\1********\2", text)
    text = _MOBILE.sub(lambda m: f"{m[1] or ''}{m[2]}****{m[3]}", text)
    text = _LANDLINE.sub(r"\1-****\2", text)
    return _EMAIL.sub(r"\1***@\2", text)
