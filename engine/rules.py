"""DMN decisions as the procedures use them: `decide("id", inputs)` in a script task.

A case's decisions are made by the rules in force when its procedure started (in_force_at, set
around each of its steps): a revised table applies to the cases started after it, as a revised
procedure does, and a case is never decided by a rule that did not exist when it was accepted.
The version is evaluated strictly: no matching rule, or two rules matching under a UNIQUE table,
is an incident on the case, never a silent default.
"""
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from sqlalchemy import select

from engine.dmn import DmnError, load_dmn
from engine.dmn.feel_values import to_plain
from engine.errors import EngineFailure
from engine.store.db import read_session
from engine.store.models import Definition

_models: dict[int, object] = {}
_in_force_at: ContextVar[datetime | None] = ContextVar("rules_in_force_at", default=None)


@contextmanager
def in_force_at(moment: datetime):
    """Decisions made inside use the versions deployed by `moment` (a procedure's start)."""
    token = _in_force_at.set(moment)
    try:
        yield
    finally:
        _in_force_at.reset(token)


def clear_cache() -> None:
    """Forget the tables loaded (tests reuse ids after emptying the database)."""
    _models.clear()


def model_of(definition: Definition):
    """A deployed version's model, parsed once per process (a version never changes)."""
    model = _models.get(definition.id)
    if model is None:
        model = _models[definition.id] = load_dmn(definition.source.encode(), definition.filename)
    return model


class RuleIncident(EngineFailure):
    code = "rule_incident"


def decide(decision_id: str, inputs: dict | None = None, **named):
    versions = select(Definition).where(Definition.kind == "dmn", Definition.key == decision_id)
    moment = _in_force_at.get()
    with read_session() as session:
        if moment is None:  # outside a case's step (a designer's trial of the table): the newest
            definition = session.scalar(versions.order_by(Definition.version.desc()).limit(1))
        else:  # the newest in force then; one first deployed since (a procedure migrated to asks for it), its first
            definition = session.scalar(versions.where(Definition.deployed_at <= moment)
                                        .order_by(Definition.version.desc()).limit(1)) \
                or session.scalar(versions.order_by(Definition.version).limit(1))
        if definition is None:
            raise RuleIncident("No decision %(key)s is deployed", key=repr(decision_id))
        model = model_of(definition)
    try:
        return to_plain(model.evaluate(decision_id, {**(inputs or {}), **named}, strict=True))
    except DmnError as exc:
        raise RuleIncident("Decision %(key)s (version %(version)s): %(error)s", key=decision_id,
                           version=definition.version, error=str(exc)) from exc
