"""FEEL values and the null-propagating operations on them.

FEEL numbers are decimal128: 34 significant digits, half-even rounding. Every
operation whose operands are null, of the wrong type, or arithmetically invalid
(division by zero, overflow) yields null rather than raising, as FEEL requires.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from typing import Callable

from .errors import FeelError

NUMBERS = Context(prec=34, rounding=ROUND_HALF_EVEN, Emax=6144, Emin=-6143,
                  traps=[InvalidOperation, DivisionByZero, Overflow])


@dataclass(frozen=True)
class FeelFunction:
    """A callable FEEL value: a built-in or a business knowledge model.

    params is None for built-ins, which are called positionally only.
    """
    name: str
    params: tuple[str, ...] | None
    impl: Callable

    def call(self, args: list, named: dict):
        if named:
            if self.params is None or set(named) - set(self.params):
                raise FeelError(f"{self.name} has no parameter(s) {sorted(set(named) - set(self.params or ()))}")
            args = [named.get(param) for param in self.params]
        if self.params is not None:
            if len(args) > len(self.params):
                raise FeelError(f"{self.name} takes {len(self.params)} arguments, got {len(args)}")
            args = list(args) + [None] * (len(self.params) - len(args))
        return self.impl(*args)


def is_number(value) -> bool:
    return isinstance(value, Decimal)


def to_feel(value):
    """Turn a caller's Python value into a FEEL value (int and float become Decimal)."""
    if value is None or isinstance(value, (bool, str, FeelFunction)):
        return value
    if isinstance(value, (int, float, Decimal)):
        # repr of a float is the shortest decimal that round-trips, i.e. what the caller typed.
        number = Decimal(repr(value) if isinstance(value, float) else value)
        if not number.is_finite():
            raise FeelError(f"FEEL has no number {value!r}")
        return number
    if isinstance(value, (list, tuple)):
        return [to_feel(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_feel(item) for key, item in value.items()}
    raise FeelError(f"unsupported input value of type {type(value).__name__}")


def to_plain(value):
    """A FEEL value as JSON holds it: a whole number as an int, any other as a float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    return value


def _numeric(operation: Callable) -> Callable:
    def apply(*operands):
        if not all(is_number(operand) for operand in operands):
            return None
        try:
            return operation(*operands)
        except ArithmeticError:
            return None
    return apply


def add(left, right):
    if isinstance(left, str) and isinstance(right, str):
        return left + right
    return _numeric(NUMBERS.add)(left, right)


subtract = _numeric(NUMBERS.subtract)
multiply = _numeric(NUMBERS.multiply)
divide = _numeric(NUMBERS.divide)
power = _numeric(NUMBERS.power)
negate = _numeric(NUMBERS.minus)


def _same_kind(left, right) -> bool:
    kinds = (bool, Decimal, str, list, dict)
    return any(isinstance(left, kind) and isinstance(right, kind) for kind in kinds)


def equals(left, right):
    """FEEL '=': null equals only null; values of different kinds are not comparable (null)."""
    if left is None or right is None:
        return left is None and right is None
    if not _same_kind(left, right):
        return None
    if isinstance(left, list):
        if len(left) != len(right):
            return False
        return _all_true(equals(a, b) for a, b in zip(left, right))
    if isinstance(left, dict):
        if left.keys() != right.keys():
            return False
        return _all_true(equals(left[key], right[key]) for key in left)
    return left == right


def _all_true(results) -> bool | None:
    results = list(results)
    if False in results:
        return False
    return None if None in results else True


def compare(left, right) -> int | None:
    """Order of two numbers or two strings as -1, 0, 1; null when FEEL does not order them."""
    if not (is_number(left) and is_number(right) or isinstance(left, str) and isinstance(right, str)):
        return None
    return (left > right) - (left < right)


def truth(value) -> bool | None:
    """A FEEL boolean, with anything that is not a boolean counting as null."""
    return value if isinstance(value, bool) else None
