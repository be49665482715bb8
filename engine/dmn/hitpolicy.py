"""Hit policies: which matched rules make up a decision table's result.

A hit is a matched rule: its row (from 1, as the table editor numbers them), its id and its
output values. Priorities come from each output's output values list: earlier in the list means
higher priority; a value missing from the list ranks after all listed ones; an output without a
list ranks nothing.
"""
from collections.abc import Sequence
from typing import NamedTuple

from engine.errors import Message

from . import feel_values
from .errors import RuleOverlap
from .feel_builtins import BUILTINS

SINGLE_HIT = ("UNIQUE", "ANY", "PRIORITY", "FIRST")
MULTIPLE_HIT = ("RULE ORDER", "OUTPUT ORDER", "COLLECT")
AGGREGATIONS = {"SUM": BUILTINS["sum"], "MIN": BUILTINS["min"], "MAX": BUILTINS["max"], "COUNT": BUILTINS["count"]}


class Hit(NamedTuple):
    row: int
    rule_id: str
    outputs: tuple


def single_hit(table, hits: list[Hit]) -> Hit | None:
    """The one hit a UNIQUE, ANY, PRIORITY or FIRST table returns, None when no rule matched."""
    if not hits:
        return None
    policy = table.hit_policy
    if policy == "UNIQUE" and len(hits) > 1:
        raise RuleOverlap(Message("hit policy UNIQUE but rows %(rows)s (rules %(ids)s) all match",
                                  rows=_rows(hits), ids=_ids(hits)),
                          element_id=table.element_id, filename=table.filename)
    if policy == "ANY" and not all(_same_outputs(hits[0].outputs, hit.outputs) for hit in hits[1:]):
        raise RuleOverlap(Message("hit policy ANY but matching rows %(rows)s (rules %(ids)s) give different outputs",
                                  rows=_rows(hits), ids=_ids(hits)),
                          element_id=table.element_id, filename=table.filename)
    if policy == "PRIORITY":
        return min(hits, key=_priority_key(table))
    return hits[0]


def multiple_hit(table, hits: list[Hit]) -> list[Hit]:
    """The hits a RULE ORDER, OUTPUT ORDER or COLLECT table returns, in the order it returns them."""
    if table.hit_policy == "OUTPUT ORDER":
        return sorted(hits, key=_priority_key(table))
    # COLLECT promises no order; rule order is the one a reader of the table expects.
    return hits


def aggregate(aggregation: str, values: list):
    return AGGREGATIONS[aggregation].call([values], {})


def _priority_key(table):
    priorities = [output.priorities for output in table.outputs]

    def key(hit: Hit) -> tuple[int, ...]:
        return tuple(_rank(values, value) for values, value in zip(priorities, hit.outputs))
    return key


def _rank(values: Sequence | None, value) -> int:
    if not values:
        return 0
    return next((i for i, listed in enumerate(values) if feel_values.equals(listed, value) is True), len(values))


def _same_outputs(first: tuple, other: tuple) -> bool:
    return all(feel_values.equals(a, b) is True for a, b in zip(first, other))


def _rows(hits: list[Hit]) -> str:
    return ", ".join(str(hit.row) for hit in hits)


def _ids(hits: list[Hit]) -> str:
    return ", ".join(hit.rule_id or "-" for hit in hits)
