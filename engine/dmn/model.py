"""A loaded DMN model and the evaluation of its decision requirements graph.

A decision sees exactly what it requires: the input data, decisions and
business knowledge models named in its requirements, each under its name.
"""
from collections.abc import Mapping
from dataclasses import dataclass

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

    def element(self, element_id: str):
        return self.decisions.get(element_id) or self.knowledge_models.get(element_id) or self.input_data[element_id]


class _Evaluation:
    """One call of DmnModel.evaluate: each required decision is decided once and remembered."""

    def __init__(self, model: DmnModel, inputs: Mapping, strict: bool):
        self.model, self.inputs, self.strict = model, inputs, strict
        self.results: dict[str, object] = {}

    def decide(self, decision: Decision):
        if decision.id not in self.results:
            result = self._run(decision, self._scope(decision))
            self._check(decision, result, decision.type_ref, "result")
            self.results[decision.id] = result
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
            return self._run(knowledge_model, scope)
        return FeelFunction(knowledge_model.name, knowledge_model.parameters, invoke)

    def _run(self, element, scope: dict):
        try:
            return element.logic.evaluate(scope, self.strict)
        except FeelError as error:
            raise DmnEvaluationError(str(error), element_id=element.id, filename=self.model.filename) from error

    def _check(self, element, value, type_ref: str | None, what: str):
        problem = violation(value, type_ref, self.model.item_definitions)
        if problem:
            raise DmnEvaluationError(f"{what} of {element.name!r} does not fit type {type_ref}: {problem}",
                                     element_id=element.id, filename=self.model.filename)
