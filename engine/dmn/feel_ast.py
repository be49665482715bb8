"""FEEL syntax trees and how each node evaluates.

A scope is a Mapping from names to FEEL values (a ChainMap when nested); the
input value of a unary test is bound to the name "?".
Unary tests evaluate to True, False or None; a rule matches only on True.
"""
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass

from . import feel_values as v
from .errors import FeelError

INPUT = "?"


class Node:
    def evaluate(self, scope: Mapping):
        raise NotImplementedError


@dataclass(frozen=True)
class Literal(Node):
    value: object

    def evaluate(self, scope):
        return self.value


@dataclass(frozen=True)
class Name(Node):
    name: str

    def evaluate(self, scope):
        if self.name not in scope:
            # FEEL would answer null; for approval rules a misspelt name silently failing every rule is worse.
            raise FeelError(f"unknown name {self.name!r}")
        return scope[self.name]


@dataclass(frozen=True)
class Path(Node):
    base: Node
    key: str

    def evaluate(self, scope):
        return _member(self.base.evaluate(scope), self.key)


def _member(value, key):
    if isinstance(value, dict):
        return value.get(key)
    if isinstance(value, list):
        return [_member(item, key) for item in value]
    return None


@dataclass(frozen=True)
class Call(Node):
    function: Node
    args: tuple[Node, ...]
    named: tuple[tuple[str, Node], ...]

    def evaluate(self, scope):
        function = self.function.evaluate(scope)
        if not isinstance(function, v.FeelFunction):
            raise FeelError(f"called a {type(function).__name__}, which is not a function")
        return function.call([arg.evaluate(scope) for arg in self.args],
                             {name: arg.evaluate(scope) for name, arg in self.named})


@dataclass(frozen=True)
class Negate(Node):
    operand: Node

    def evaluate(self, scope):
        return v.negate(self.operand.evaluate(scope))


_ARITHMETIC = {"+": v.add, "-": v.subtract, "*": v.multiply, "/": v.divide, "**": v.power}
_ORDERINGS = {"<": lambda c: c < 0, "<=": lambda c: c <= 0, ">": lambda c: c > 0, ">=": lambda c: c >= 0}


def compare(op: str, left, right) -> bool | None:
    if op in ("=", "!="):
        same = v.equals(left, right)
        return same if same is None or op == "=" else not same
    order = v.compare(left, right)
    return None if order is None else _ORDERINGS[op](order)


@dataclass(frozen=True)
class Binary(Node):
    op: str
    left: Node
    right: Node

    def evaluate(self, scope):
        left, right = self.left.evaluate(scope), self.right.evaluate(scope)
        if self.op in _ARITHMETIC:
            return _ARITHMETIC[self.op](left, right)
        return compare(self.op, left, right)


@dataclass(frozen=True)
class Between(Node):
    value: Node
    low: Node
    high: Node

    def evaluate(self, scope):
        value = self.value.evaluate(scope)
        return conjunction([compare(">=", value, self.low.evaluate(scope)),
                            compare("<=", value, self.high.evaluate(scope))])


def conjunction(results) -> bool | None:
    """Three-valued 'and': false wins over null, null over true."""
    results = [v.truth(result) for result in results]
    if False in results:
        return False
    return None if None in results else True


def disjunction(results) -> bool | None:
    """Three-valued 'or': true wins over null, null over false."""
    results = [v.truth(result) for result in results]
    if True in results:
        return True
    return None if None in results else False


@dataclass(frozen=True)
class And(Node):
    left: Node
    right: Node

    def evaluate(self, scope):
        return conjunction([self.left.evaluate(scope), self.right.evaluate(scope)])


@dataclass(frozen=True)
class Or(Node):
    left: Node
    right: Node

    def evaluate(self, scope):
        return disjunction([self.left.evaluate(scope), self.right.evaluate(scope)])


@dataclass(frozen=True)
class If(Node):
    condition: Node
    then: Node
    otherwise: Node

    def evaluate(self, scope):
        return (self.then if self.condition.evaluate(scope) is True else self.otherwise).evaluate(scope)


@dataclass(frozen=True)
class ListOf(Node):
    items: tuple[Node, ...]

    def evaluate(self, scope):
        return [item.evaluate(scope) for item in self.items]


@dataclass(frozen=True)
class Context(Node):
    entries: tuple[tuple[str, Node], ...]

    def evaluate(self, scope):
        # Later entries may refer to earlier ones, as in a boxed context.
        result = {}
        inner = ChainMap(result, scope)
        for key, node in self.entries:
            result[key] = node.evaluate(inner)
        return result


# Unary tests: evaluated against the input value bound to "?".

@dataclass(frozen=True)
class In(Node):
    value: Node
    tests: "Node"

    def evaluate(self, scope):
        return self.tests.evaluate(ChainMap({INPUT: self.value.evaluate(scope)}, scope))


@dataclass(frozen=True)
class AnyValue(Node):
    def evaluate(self, scope):
        return True


@dataclass(frozen=True)
class Comparison(Node):
    op: str
    endpoint: Node

    def evaluate(self, scope):
        return compare(self.op, scope[INPUT], self.endpoint.evaluate(scope))


@dataclass(frozen=True)
class Interval(Node):
    low: Node
    high: Node
    low_closed: bool
    high_closed: bool

    def evaluate(self, scope):
        value = scope[INPUT]
        return conjunction([compare(">=" if self.low_closed else ">", value, self.low.evaluate(scope)),
                            compare("<=" if self.high_closed else "<", value, self.high.evaluate(scope))])


@dataclass(frozen=True)
class Matches(Node):
    """A plain expression used as a test: equal to the input, a list holding it, or a condition on '?'."""
    expression: Node
    uses_input: bool

    def evaluate(self, scope):
        value, expected = scope[INPUT], self.expression.evaluate(scope)
        if self.uses_input and isinstance(expected, bool):
            return expected
        if isinstance(expected, list) and not isinstance(value, list):
            return disjunction(v.equals(value, item) for item in expected) is True
        return v.equals(value, expected)


@dataclass(frozen=True)
class AnyOf(Node):
    tests: tuple[Node, ...]

    def evaluate(self, scope):
        return disjunction(test.evaluate(scope) for test in self.tests)


@dataclass(frozen=True)
class NoneOf(Node):
    tests: AnyOf

    def evaluate(self, scope):
        result = self.tests.evaluate(scope)
        return None if result is None else not result
