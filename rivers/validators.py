"""Sign codes go into the QR code's address (``/r/<code>/``) that is printed on the board, so a
code is a plain path segment: ASCII letters, digits and ``-``, and none of the fixed words under
/r/ (``/r/track/`` is the report tracking page, not a sign's)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SIGN_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
# Every fixed first segment of public_reports/urls.py (a test holds the two lists together).
RESERVED_SIGN_CODES = frozenset({"track", "signs"})


def sign_code_problem(code: str) -> str | None:
    """Why ``code`` cannot be a sign's code, or None."""
    if not SIGN_CODE.fullmatch(code):
        return _("公示牌编号只能包含英文字母、数字和连字符“-”，且不能以“-”开头。")
    if code.lower() in RESERVED_SIGN_CODES:
        return _("“%(code)s”是系统保留字，不能用作公示牌编号。") % {"code": code}
    return None


def validate_sign_code(code: str) -> None:
    problem = sign_code_problem(code)
    if problem is not None:
        raise ValidationError(problem, code="invalid_sign_code")
