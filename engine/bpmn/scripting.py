"""SpiffWorkflow's script engine, running the restricted language instead of Python's eval/exec.

Timer expressions must evaluate to what SpiffWorkflow's timer events parse: an ISO 8601
date-time ("2026-12-01T17:00:00+08:00"), duration ("P3D", "PT1H", or days(3)) or cycle
("R3/PT1H"). workdays(n) gives the end of the N-th working day after today as a date-time.
given('name', default) reads a value the case may not have (an optional form field, a field a
case begun under an older version of the procedure never filled): a bare name it lacks fails.
"""
from typing import Mapping

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine import expressions
from engine.expressions import interpreter

# Functions the product adds to the language; deploy-time checks accept calls to these.
PRODUCT_FUNCTIONS = ("workdays", "decide", "regional_coverage", "assessments", "given")


def _workdays(n: int) -> str:
    from engine import clock
    from engine.services import calendars
    day = calendars.current().add_workdays(clock.today(), int(n)).date
    return clock.end_of(day).astimezone(clock.SHANGHAI).isoformat()


def _decide(decision_id, inputs=None, **named):
    from engine.rules import decide
    return decide(decision_id, inputs, **named)


def _regional_coverage(zone, assessment, project=None):
    from engine import regional
    return regional.coverage(zone, assessment, project or {})


def _assessments(project):
    from engine import assessments
    return assessments.assessments(project or {})


def product_functions() -> dict:
    return {"workdays": _workdays, "decide": _decide, "regional_coverage": _regional_coverage,
            "assessments": _assessments}


def with_given(functions: Mapping, data: Mapping) -> dict:
    """The functions, and given() reading `data`."""
    return {**functions, "given": lambda name, default=None: data.get(name, default)}


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    def __init__(self, functions: Mapping | None = None):
        super().__init__({})
        self.functions = dict(functions or {})

    def evaluate(self, expression, context, external_context=None):
        data = {**(external_context or {}), **context}
        return interpreter.evaluate(expression, data, with_given(self.functions, data))

    def execute(self, script, context, external_context=None):
        # Scripts change the task's data in place: that dict is the instance data.
        interpreter.execute(script, context, with_given({**self.functions, **(external_context or {})}, context))
        return True

    def call_service(self, context, **kwargs):
        raise expressions.ExpressionError("service tasks are not available in this product")


def make_script_engine(functions: Mapping | None = None) -> PythonScriptEngine:
    return PythonScriptEngine(environment=RestrictedEnvironment(
        {**product_functions(), **(functions or {})}))
