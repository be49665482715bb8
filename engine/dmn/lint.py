"""What a decision table reads that nothing gives it: a cell naming a value that is none of the
table's inputs (`>= floors2` for floors) deploys, then fails every case that reaches it. Said at
deploy time as a warning, with the row as the editor numbers it: a cell may name a value the
procedure passes beside the inputs, which only the procedure knows."""
from dataclasses import fields, is_dataclass

from .feel_ast import INPUT, Name, Node
from .feel_builtins import BUILTINS
from .logic import DecisionTable
from .model import DmnModel


def unknown_names(model: DmnModel) -> list[tuple[str, str, int, list[str]]]:
    """(decision id, decision name, row from 1, names) for each row of a decision's table that
    names what is neither an input of the table, another decision, an input datum nor a FEEL
    function."""
    found = []
    others = {*model.decisions, *(d.name for d in model.decisions.values()),
              *(i.name for i in model.input_data.values())}
    for decision in model.decisions.values():
        table = decision.logic
        if not isinstance(table, DecisionTable):
            continue
        known = others | {INPUT, *BUILTINS} | {n for column in table.inputs for n in _names(column.expression._node)}
        for row, rule in enumerate(table.rules, start=1):
            named = {n for cell in (*rule.tests, *rule.outputs) for n in _names(cell._node)}
            if named - known:
                found.append((decision.id, decision.name, row, sorted(named - known)))
    return found


def _names(node) -> set[str]:
    """The names a FEEL expression reads (the first part of a path)."""
    if isinstance(node, Name):
        return {node.name}
    if isinstance(node, (list, tuple)):
        return {n for item in node for n in _names(item)}
    if isinstance(node, Node) and is_dataclass(node):
        return {n for f in fields(node) for n in _names(getattr(node, f.name))}
    return set()
