"""The decision logic a decision or business knowledge model holds: a literal expression or a decision table.

Both evaluate(scope, strict) over a scope of FEEL values. A table's result is
one value for a single output, a dict per hit for several outputs, a list for
multiple-hit policies, and a number for COLLECT with an aggregation. Both also
trace(scope, strict): the result with the rules a table matched and those its
hit policy applied (None for a literal expression), which a designer's trial shows.
"""
from dataclasses import dataclass

from engine.errors import Message

from . import hitpolicy
from .errors import DmnEvaluationError, FeelError, NoMatchingRule
from .feel import Expression, UnaryTests
from .hitpolicy import Hit


@dataclass(frozen=True)
class LiteralExpression:
    expression: Expression

    def evaluate(self, scope, strict: bool):
        return self.expression.evaluate(scope)

    def trace(self, scope, strict: bool):
        return self.evaluate(scope, strict), None, None


@dataclass(frozen=True)
class Input:
    id: str | None
    expression: Expression
    label: str | None
    type_ref: str | None
    values: list | None  # its input values, when the table lists them as constants (offered, not enforced)

    @property
    def column(self) -> str:
        """The column as the table editor heads it."""
        return self.label or self.expression.text


@dataclass(frozen=True)
class Output:
    name: str | None
    label: str | None
    priorities: list | None  # the output values list, if the table gives one
    default: Expression | None

    @property
    def column(self) -> str:
        return self.label or self.name or ""


@dataclass(frozen=True)
class Rule:
    id: str
    tests: tuple[UnaryTests, ...]
    outputs: tuple[Expression, ...]
    test_ids: tuple[str | None, ...]  # each input entry's element id
    output_ids: tuple[str | None, ...]


@dataclass(frozen=True)
class DecisionTable:
    element_id: str  # of the decision or knowledge model owning the table, which is what errors should name
    filename: str | None
    inputs: tuple[Input, ...]
    outputs: tuple[Output, ...]
    rules: tuple[Rule, ...]
    hit_policy: str
    aggregation: str | None

    def evaluate(self, scope, strict: bool):
        return self.decide(self.hits(scope), scope, strict)[0]

    def trace(self, scope, strict: bool):
        hits = self.hits(scope)
        result, applied = self.decide(hits, scope, strict)
        return result, hits, applied

    def hits(self, scope) -> list[Hit]:
        """The rules that match, in rule order, each with its row (from 1, as the editor numbers
        them) and its outputs."""
        values = [self._input(column, scope) for column in self.inputs]
        found = []
        for row, rule in enumerate(self.rules, start=1):
            try:
                if all(test.matches(value, scope) for test, value in zip(rule.tests, values)):
                    found.append(Hit(row, rule.id, tuple(output.evaluate(scope) for output in rule.outputs)))
            except FeelError as error:
                raise self._failed_cell(row, rule, values, scope) or self._failed(rule.id, error) from error
        return found

    def decide(self, hits: list[Hit], scope, strict: bool) -> tuple[object, list[Hit]]:
        """The result of these hits under the hit policy, and the hits it is made of."""
        if self.hit_policy in hitpolicy.SINGLE_HIT:
            hit = hitpolicy.single_hit(self, hits)
            return (self._shape(hit.outputs), [hit]) if hit else (self._no_match(scope, strict), [])
        applied = hitpolicy.multiple_hit(self, hits)
        results = [self._shape(hit.outputs) for hit in applied]
        return (hitpolicy.aggregate(self.aggregation, results) if self.aggregation else results), applied

    def _input(self, column: Input, scope):
        try:
            return column.expression.evaluate(scope)
        except FeelError as error:
            raise DmnEvaluationError(Message("input %(column)s: %(text)s cannot be evaluated: %(error)s",
                                             column=column.column, text=column.expression.text, error=str(error)),
                                     element_id=column.id or self.element_id, filename=self.filename) from error

    def _failed_cell(self, row: int, rule: Rule, values: list, scope) -> DmnEvaluationError | None:
        """Which entry of the rule failed, said as the editor shows it: evaluated again one by one,
        only once one has failed, so that matching stays a plain loop."""
        for test, value, element_id, column in zip(rule.tests, values, rule.test_ids, self.inputs):
            try:
                test.matches(value, scope)
            except FeelError as error:
                return self._cell_error(row, column.column, test.text, error, element_id or rule.id)
        for output, element_id, column in zip(rule.outputs, rule.output_ids, self.outputs):
            try:
                output.evaluate(scope)
            except FeelError as error:
                return self._cell_error(row, column.column, output.text, error, element_id or rule.id)
        return None

    def _cell_error(self, row, column, text, error, element_id) -> DmnEvaluationError:
        return DmnEvaluationError(Message("row %(row)s, %(column)s: %(text)s cannot be evaluated: %(error)s",
                                          row=row, column=column, text=text, error=str(error)),
                                  element_id=element_id, filename=self.filename)

    def _failed(self, element_id, error) -> DmnEvaluationError:
        return DmnEvaluationError(str(error), element_id=element_id or self.element_id, filename=self.filename)

    def _shape(self, outputs: tuple):
        if len(self.outputs) == 1:
            return outputs[0]
        return {output.name: value for output, value in zip(self.outputs, outputs)}

    def _no_match(self, scope, strict: bool):
        if any(output.default for output in self.outputs):
            return self._shape(tuple(output.default.evaluate(scope) if output.default else None
                                     for output in self.outputs))
        if strict:
            raise NoMatchingRule(Message("no rule of the %(policy)s table matches", policy=self.hit_policy),
                                 element_id=self.element_id, filename=self.filename)
        return None
