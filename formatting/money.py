"""Money on screen: Babel's locale-aware currency format over Decimal, never float."""

from __future__ import annotations

import decimal
import functools
import re
from decimal import Decimal

from babel.core import UnknownLocaleError
from babel.numbers import format_currency, format_decimal, get_currency_precision

_ISO_CODE = re.compile(r"[A-Z]{3}")
DEFAULT_LOCALE = "en_US"


def _precision_for(amount: Decimal) -> int:
    """Enough digits that Babel's quantize never overflows the context (huge or tiny amounts)."""
    exponent = amount.as_tuple().exponent
    frac = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return max(28, amount.adjusted() + frac + 12)


def money(
    amount: Decimal | int,
    currency: str = "USD",
    locale: str = DEFAULT_LOCALE,
    *,
    exact: bool = False,
) -> str:
    """ "$1,234.50" for Decimal("1234.5") USD, rounded half up. `exact` keeps digits beyond the cents.

    Unknown currency codes are printed after the number, reduced to letters and digits, so the result
    is always safe in mrkdwn; NaN and infinity print as "n/a".
    """
    if isinstance(amount, float):
        raise TypeError("money() takes Decimal, never float")
    # keyed by the text: Decimal("1.0") == Decimal("1.00"), but with `exact` they print differently
    return _money(str(Decimal(amount)), currency, locale, exact)


@functools.lru_cache(maxsize=4096)  # a burst formats the same few amounts hundreds of times; Babel is slow
def _money(text: str, currency: str, locale: str, exact: bool) -> str:
    """money() without the float guard, memoised."""
    amount = Decimal(text)
    if not amount.is_finite():
        return "n/a"
    # only letters and digits of a code are kept: the result goes into mrkdwn unescaped
    code = "".join(ch for ch in (currency or "").upper() if ch.isascii() and ch.isalnum())[:8]
    try:
        with decimal.localcontext() as ctx:
            ctx.prec = min(_precision_for(amount), 5000)
            ctx.rounding = decimal.ROUND_HALF_UP  # what people expect of money (Babel follows the context)
            if _ISO_CODE.fullmatch(code):
                digits = get_currency_precision(code)
                if not exact and amount.quantize(Decimal(1).scaleb(-digits)).is_zero():
                    amount = abs(amount)  # no "-$0.00" for a rounding residue
                return format_currency(amount, code, locale=locale, decimal_quantization=not exact)
            number = format_decimal(amount, format="#,##0.00", locale=locale, decimal_quantization=not exact)
            return f"{number} {code}".strip()
    except UnknownLocaleError:
        if locale == DEFAULT_LOCALE:
            raise
        return money(amount, currency, DEFAULT_LOCALE, exact=exact)
    except (decimal.InvalidOperation, ArithmeticError):
        return f"{amount} {code}".strip()
