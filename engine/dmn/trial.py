"""A decision tried by hand (试算): the inputs it asks for, and how it decides on them.

The inputs are the input data it reads, itself or through the decisions it requires, each as a
table column reading it by name heads it (its label, its type, its input values) or, read by no
column, as its variable's type says. The answer is strict, as a case's decision is
(engine/rules.py): no rule matching a single-hit table without a default is an error, not null.
"""
from .errors import FeelError
from .feel import constants
from .feel_values import to_plain
from .model import DmnModel, Step


def fields(model: DmnModel, decision_id: str) -> list[dict]:
    """{"id", "name", "label", "type", "values"} for each input the decision reads; `values` the
    constants offered for it (an input values list, an item definition's allowed values) or None."""
    columns = {}
    for decision in model.decisions.values():
        for column in getattr(decision.logic, "inputs", ()):
            columns.setdefault(column.expression.text, column)
    found = []
    for data in model.inputs_of(decision_id):
        column = columns.get(data.name)
        type_ref, allowed = _base(data.type_ref or (column.type_ref if column else None), model)
        values = column.values if column is not None and column.values else allowed
        found.append({"id": data.id, "name": data.name, "label": column.label if column is not None else None,
                      "type": type_ref, "values": to_plain(values) if values else None})
    return found


def explain(model: DmnModel, decision_id: str, inputs: dict) -> dict:
    """The decision's result on these inputs and every decision decided for it, those it requires
    first: for a table, the rows it matched and those its hit policy applied, with their outputs."""
    result, steps = model.explain(decision_id, inputs)
    return {"result": to_plain(result), "decisions": [_step(step) for step in steps]}


def _step(step: Step) -> dict:
    logic, table = step.decision.logic, step.matched is not None
    return {"id": step.decision.id, "name": step.decision.name, "kind": "table" if table else "literal",
            "hit_policy": logic.hit_policy if table else None, "aggregation": logic.aggregation if table else None,
            "outputs": [{"name": o.name, "label": o.label} for o in logic.outputs] if table else [],
            "matched": [hit.row for hit in step.matched] if table else [],
            "applied": [{"row": hit.row, "outputs": to_plain(list(hit.outputs))} for hit in step.applied]
            if table else [],
            "result": to_plain(step.result)}


def _base(type_ref: str | None, model: DmnModel) -> tuple[str | None, list | None]:
    """A type as the form asks for it: an item definition by its base type, with the first allowed
    values along the way that are constants (a range, < 5, offers nothing: it is checked when tried)."""
    allowed, seen = None, set()
    while (definition := model.item_definitions.get(type_ref)) is not None and type_ref not in seen:
        if definition.components or definition.is_collection:
            break
        seen.add(type_ref)
        if allowed is None and definition.allowed is not None:
            try:
                allowed = constants(definition.allowed.text)
            except FeelError:
                pass
        type_ref = definition.type_ref
    return type_ref, allowed
