"""The decision logic a decision or business knowledge model holds: a literal expression or a decision table.

Both evaluate(scope, strict) over a scope of FEEL values. A table's result is
one value for a single output, a dict per hit for several outputs, a list for
multiple-hit policies, and a number for COLLECT with an aggregation.
"""
from dataclasses import dataclass

from . import hitpolicy
from .errors import NoMatchingRule
from .feel import Expression, UnaryTests


@dataclass(frozen=True)
class LiteralExpression:
    expression: Expression

    def evaluate(self, scope, strict: bool):
        return self.expression.evaluate(scope)


@dataclass(frozen=True)
class Output:
    name: str | None
    priorities: list | None  # the output values list, if the table gives one
    default: Expression | None


@dataclass(frozen=True)
class Rule:
    id: str
    tests: tuple[UnaryTests, ...]
    outputs: tuple[Expression, ...]


@dataclass(frozen=True)
class DecisionTable:
    element_id: str  # of the decision or knowledge model owning the table, which is what errors should name
    filename: str | None
    inputs: tuple[Expression, ...]
    outputs: tuple[Output, ...]
    rules: tuple[Rule, ...]
    hit_policy: str
    aggregation: str | None

    def evaluate(self, scope, strict: bool):
        values = [expression.evaluate(scope) for expression in self.inputs]
        hits = [(rule.id, tuple(output.evaluate(scope) for output in rule.outputs))
                for rule in self.rules
                if all(test.matches(value, scope) for test, value in zip(rule.tests, values))]
        if self.hit_policy in hitpolicy.SINGLE_HIT:
            hit = hitpolicy.single_hit(self, hits)
            return self._shape(hit[1]) if hit else self._no_match(scope, strict)
        results = [self._shape(outputs) for _, outputs in hitpolicy.multiple_hit(self, hits)]
        return hitpolicy.aggregate(self.aggregation, results) if self.aggregation else results

    def _shape(self, outputs: tuple):
        if len(self.outputs) == 1:
            return outputs[0]
        return {output.name: value for output, value in zip(self.outputs, outputs)}

    def _no_match(self, scope, strict: bool):
        if any(output.default for output in self.outputs):
            return self._shape(tuple(output.default.evaluate(scope) if output.default else None
                                     for output in self.outputs))
        if strict:
            raise NoMatchingRule(f"no rule of the {self.hit_policy} table matches", element_id=self.element_id,
                                 filename=self.filename)
        return None
