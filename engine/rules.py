"""DMN decisions as the procedures use them: `decide("id", inputs)` in a script task.

The latest deployed version of the decision is evaluated strictly: no matching rule, or two
rules matching under a UNIQUE table, is an incident on the case, never a silent default.
"""
from decimal import Decimal

from sqlalchemy import select

from engine.dmn import DmnError, load_dmn
from engine.errors import EngineFailure
from engine.store.db import read_session
from engine.store.models import Definition

_models: dict[int, object] = {}


class RuleIncident(EngineFailure):
    code = "rule_incident"


def _plain(value):
    """FEEL numbers are Decimals; instance data is JSON."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def decide(decision_id: str, inputs: dict | None = None, **named):
    with read_session() as session:
        definition = session.scalar(select(Definition).where(Definition.kind == "dmn",
                                                             Definition.key == decision_id)
                                    .order_by(Definition.version.desc()).limit(1))
        if definition is None:
            raise RuleIncident("No decision %(key)s is deployed", key=repr(decision_id))
        model = _models.get(definition.id)
        if model is None:
            model = _models[definition.id] = load_dmn(definition.source.encode(), definition.filename)
    try:
        return _plain(model.evaluate(decision_id, {**(inputs or {}), **named}, strict=True))
    except DmnError as exc:
        raise RuleIncident("Decision %(key)s (version %(version)s): %(error)s", key=decision_id,
                           version=definition.version, error=str(exc)) from exc
