"""A loaded DMN model and the evaluation of its decision requirements graph.

A decision sees exactly what it requires: the input data, decisions and
business knowledge models named in its requirements, each under its name.
"""
from collections.abc import Mapping
from dataclasses import dataclass

from engine.errors import Message

from .errors import DmnError, DmnEvaluationError, FeelError
from .feel_values import FeelFunction, to_feel
from .itemdefs import ItemDefinition, violation


@dataclass(frozen=True)
class InputData:
    id: str
    name: str
    type_ref: str | None


@dataclass(frozen=True)
class Decision:
    id: str
    name: str
    type_ref: str | None
    requirements: tuple[str, ...]  # ids of required input data, decisions and knowledge models
    logic: object  # logic.LiteralExpression or logic.DecisionTable


@dataclass(frozen=True)
class BusinessKnowledgeModel:
    id: str
    name: str
    parameters: tuple[str, ...]
    requirements: tuple[str, ...]  # ids of the knowledge models it invokes
    logic: object


@dataclass(frozen=True)
class Step:
    """One decision decided in an explained evaluation: its result and, for a table, the hits it
    matched and those its hit policy applied (None for a literal expression)."""
    decision: Decision
    result: object
    matched: list | None
    applied: list | None


@dataclass(frozen=True)
class DmnModel:
    name: str
    namespace: str
    filename: str | None
    decisions: dict[str, Decision]
    knowledge_models: dict[str, BusinessKnowledgeModel]
    input_data: dict[str, InputData]
    item_definitions: dict[str, ItemDefinition]

    def find(self, id_or_name: str) -> Decision:
        if id_or_name in self.decisions:
            return self.decisions[id_or_name]
        for decision in self.decisions.values():
            if decision.name == id_or_name:
                return decision
        raise DmnError(f"no decision with id or name {id_or_name!r}", filename=self.filename)

    def evaluate(self, decision_id_or_name: str, inputs: Mapping, strict: bool = False):
        """The decision's result for inputs keyed by input data name.

        strict=True makes a single-hit table that matches no rule and has no default
        raise NoMatchingRule instead of answering null.
        """
        return _Evaluation(self, inputs, strict).decide(self.find(decision_id_or_name))

    def explain(self, decision_id_or_name: str, inputs: Mapping) -> tuple[object, list[Step]]:
        """The decision's result, strictly as a case gets it, and each decision decided on the way
        (those it requires first, itself last)."""
        evaluation = _Evaluation(self, inputs, strict=True, steps=[])
        return evaluation.decide(self.find(decision_id_or_name)), evaluation.steps

    def inputs_of(self, decision_id_or_name: str) -> list[InputData]:
        """The input data the decision reads, itself or through what it requires, in the file's order."""
        needed, seen, todo = set(), set(), [self.find(decision_id_or_name).id]
        while todo:
            element_id = todo.pop()
            if element_id in seen:  # a decision two others require is walked once, not once a path
                continue
            seen.add(element_id)
            element = self.element(element_id)
            if isinstance(element, InputData):
                needed.add(element.id)
            else:
                todo += element.requirements
        return [element for element in self.input_data.values() if element.id in needed]

    def element(self, element_id: str):
        return self.decisions.get(element_id) or self.knowledge_models.get(element_id) or self.input_data[element_id]


class _Evaluation:
    """One call of DmnModel.evaluate: each required decision is decided once and remembered, and
    with `steps`, said how."""

    def __init__(self, model: DmnModel, inputs: Mapping, strict: bool, steps: list | None = None):
        self.model, self.inputs, self.strict, self.steps = model, inputs, strict, steps
        self.results: dict[str, object] = {}

    def decide(self, decision: Decision):
        if decision.id not in self.results:
            scope = self._scope(decision)
            if self.steps is None:
                result = self._run(decision, lambda logic: logic.evaluate(scope, self.strict))
            else:
                result, matched, applied = self._run(decision, lambda logic: logic.trace(scope, self.strict))
            self._check(decision, result, decision.type_ref, "result")
            self.results[decision.id] = result
            if self.steps is not None:
                self.steps.append(Step(decision, result, matched, applied))
        return self.results[decision.id]

    def _scope(self, element) -> dict:
        return {self.model.element(required).name: self._value(self.model.element(required))
                for required in element.requirements}

    def _value(self, element):
        if isinstance(element, Decision):
            return self.decide(element)
        if isinstance(element, BusinessKnowledgeModel):
            return self._function(element)
        try:
            value = to_feel(self.inputs.get(element.name))
        except FeelError as error:
            raise DmnEvaluationError(str(error), element_id=element.id, filename=self.model.filename) from error
        self._check(element, value, element.type_ref, "input")
        return value

    def _function(self, knowledge_model: BusinessKnowledgeModel) -> FeelFunction:
        def invoke(*args):
            scope = self._scope(knowledge_model) | dict(zip(knowledge_model.parameters, args))
            return self._run(knowledge_model, lambda logic: logic.evaluate(scope, self.strict))
        return FeelFunction(knowledge_model.name, knowledge_model.parameters, invoke)

    def _run(self, element, run):
        """run(element's logic), its FEEL errors said as the element's."""
        try:
            return run(element.logic)
        except FeelError as error:
            raise DmnEvaluationError(str(error), element_id=element.id, filename=self.model.filename) from error

    def _check(self, element, value, type_ref: str | None, what: str):
        problem = violation(value, type_ref, self.model.item_definitions)
        if problem:
            values = {"name": repr(element.name), "type": type_ref, "problem": problem}
            said = Message("input %(name)s does not fit type %(type)s: %(problem)s", **values) if what == "input" \
                else Message("result of %(name)s does not fit type %(type)s: %(problem)s", **values)
            raise DmnEvaluationError(said, element_id=element.id, filename=self.model.filename)
