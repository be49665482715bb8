"""FEEL entry points: compile once at model load, evaluate many times.

Scopes given to evaluate() must hold FEEL values (see feel_values.to_feel);
the built-in functions are always visible beneath them.
"""
from collections import ChainMap
from collections.abc import Mapping
from functools import lru_cache

from .errors import FeelError
from .feel_ast import INPUT
from .feel_builtins import BUILTINS
from .feel_parser import parse_expression, parse_expression_list, parse_unary_tests
from .feel_values import to_feel

# The trees are frozen, so one parse serves every table that has the same text: a deployment,
# and a trial on the designer's page, read the same cells again.
parse_expression = lru_cache(maxsize=8192)(parse_expression)
parse_unary_tests = lru_cache(maxsize=8192)(parse_unary_tests)


class Expression:
    def __init__(self, text: str):
        self.text = text.strip()
        self._node = parse_expression(text)

    def evaluate(self, scope: Mapping):
        return self._node.evaluate(ChainMap(scope, BUILTINS))


class UnaryTests:
    def __init__(self, text: str):
        # An empty input entry is how some modellers write "-".
        self.text = text.strip() or "-"
        self._node = parse_unary_tests(self.text)

    def matches(self, value, scope: Mapping) -> bool:
        """Whether value passes; a null (unknown) outcome does not pass."""
        return self._node.evaluate(ChainMap({INPUT: value}, scope, BUILTINS)) is True


def constants(text: str) -> list:
    """The values of a comma-separated list of constant expressions, e.g. an output values list."""
    try:
        return [node.evaluate(BUILTINS) for node in parse_expression_list(text)]
    except FeelError as error:
        raise FeelError(f"{text!r} is not a list of constants: {error}") from error


def evaluate(text: str, variables: Mapping | None = None):
    """Evaluate a FEEL expression with plain Python variables (ints and floats become Decimal)."""
    return Expression(text).evaluate(to_feel(dict(variables or {})))


def matches(text: str, value, variables: Mapping | None = None) -> bool:
    """Whether value passes the unary tests in text."""
    return UnaryTests(text).matches(to_feel(value), to_feel(dict(variables or {})))
