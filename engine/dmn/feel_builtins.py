"""The FEEL built-in functions this engine provides (positional arguments only).

As FEEL requires, a call with arguments of the wrong type or number returns null.
"""
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from functools import reduce

from .feel_values import NUMBERS, FeelFunction, compare, equals

BUILTINS: dict[str, FeelFunction] = {}


def builtin(name: str, *types: type, required: int | None = None):
    """Register impl as FEEL function `name` whose arguments must have `types` (the last ones optional)."""
    required = len(types) if required is None else required

    def register(impl):
        def checked(*args):
            if not required <= len(args) <= len(types):
                return None
            if not all(_is(arg, kind) for arg, kind in zip(args, types)):
                return None
            try:
                return impl(*args)
            except ArithmeticError:
                return None
        BUILTINS[name] = FeelFunction(name, None, checked)
        return impl
    return register


def _is(value, kind: type) -> bool:
    # bool is an int subclass in Python but a separate type in FEEL.
    if kind is object:
        return True
    return kind is bool if isinstance(value, bool) else isinstance(value, kind)


def _items(args) -> list:
    """List functions take either one list or the items themselves: sum([1, 2]) = sum(1, 2)."""
    return list(args[0]) if len(args) == 1 and isinstance(args[0], list) else list(args)


def _list_function(name: str):
    def register(impl):
        BUILTINS[name] = FeelFunction(name, None, lambda *args: impl(_items(args)))
        return impl
    return register


def _integer(number: Decimal) -> int | None:
    return int(number) if number == number.to_integral_value() else None


@builtin("not", bool)
def _not(value):
    return not value


@builtin("abs", Decimal)
def _abs(number):
    return abs(number)


@builtin("floor", Decimal)
def _floor(number):
    return number.to_integral_value(rounding=ROUND_FLOOR)


@builtin("ceiling", Decimal)
def _ceiling(number):
    return number.to_integral_value(rounding=ROUND_CEILING)


@builtin("decimal", Decimal, Decimal)
def _decimal(number, scale):
    if _integer(scale) is None:
        return None
    return number.quantize(Decimal(1).scaleb(-int(scale)), rounding=ROUND_HALF_EVEN, context=NUMBERS)


@builtin("modulo", Decimal, Decimal)
def _modulo(dividend, divisor):
    # FEEL's modulo takes the sign of the divisor (floored division), unlike Decimal's %.
    quotient = NUMBERS.divide(dividend, divisor).to_integral_value(rounding=ROUND_FLOOR)
    return NUMBERS.subtract(dividend, NUMBERS.multiply(divisor, quotient))


@builtin("string length", str)
def _string_length(text):
    return Decimal(len(text))


@builtin("upper case", str)
def _upper_case(text):
    return text.upper()


@builtin("lower case", str)
def _lower_case(text):
    return text.lower()


@builtin("substring", str, Decimal, Decimal, required=2)
def _substring(text, start, length=None):
    start, count = _integer(start), None if length is None else _integer(length)
    if not start or abs(start) > len(text) or (length is not None and (count is None or count < 0)):
        return None
    begin = start - 1 if start > 0 else len(text) + start
    return text[begin:] if count is None else text[begin:begin + count]


@builtin("contains", str, str)
def _contains(text, part):
    return part in text


@builtin("starts with", str, str)
def _starts_with(text, prefix):
    return text.startswith(prefix)


@builtin("ends with", str, str)
def _ends_with(text, suffix):
    return text.endswith(suffix)


@builtin("list contains", list, object)
def _list_contains(items, element):
    return any(equals(item, element) is True for item in items)


def _concatenate(*lists):
    if not all(isinstance(items, list) for items in lists):
        return None
    return [item for items in lists for item in items]


# A decision joining what several tables collected (the seller's taxes and the buyer's).
BUILTINS["concatenate"] = FeelFunction("concatenate", None, _concatenate)


@_list_function("count")
def _count(items):
    return Decimal(len(items))


def _extreme(items, pick):
    if not items or any(compare(items[0], item) is None for item in items):
        return None
    return pick(items)


@_list_function("min")
def _min(items):
    return _extreme(items, min)


@_list_function("max")
def _max(items):
    return _extreme(items, max)


@_list_function("sum")
def _sum(items):
    if not items or not all(isinstance(item, Decimal) for item in items):
        return None
    return reduce(NUMBERS.add, items)


@_list_function("mean")
def _mean(items):
    total = _sum(items)
    return None if total is None else NUMBERS.divide(total, len(items))
