"""Values written straight into a procedure, checked at deploy time for what they must be: a
timer's ISO 8601 date, duration or cycle, a step's number of working days. An expression that
computes them is checked when it runs; a constant that is wrong would fail every case that
reaches it, and one written without quotes (PT72H) would be read as a variable's name."""
import ast
import re

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

TIMERS = {"timeDate": ("date", TimerEventDefinition.get_datetime),
          "timeDuration": ("duration", TimerEventDefinition.parse_iso_duration),
          "timeCycle": ("cycle", TimerEventDefinition.parse_iso_recurring_interval)}
# An ISO 8601 value written without quotes: read as a name (PT72H), a sum (R3/PT1H), or not at all.
UNQUOTED_ISO = re.compile(r"(R\d*/)?(P(\d|T\d)|\d{4}-\d{2}-\d{2})[\w:.+\-/]*")
WHOLE_DAYS = ("promisedDaysExpression",)


def problem(label: str, source: str) -> str | None:
    """What is wrong with the value `source` of the element or property `label`, if it is a
    constant, or None (also for an expression that computes the value)."""
    source = source.strip()
    if label in TIMERS and UNQUOTED_ISO.fullmatch(source):
        return f"{label}: write the ISO 8601 {TIMERS[label][0]} as text, '{source}' (without quotes it is " \
               "read as an expression)"
    try:
        value = ast.literal_eval(source)  # a constant, -2 and 'P3D' alike
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None  # an expression: checked when it runs (the expression check reads its syntax)
    if label in TIMERS and isinstance(value, str):
        kind, parse = TIMERS[label]
        try:
            parse(value)
        except Exception:  # the library says only "Invalid duration", or a ValueError of its own
            return f"{label}: {value!r} is not an ISO 8601 {kind}"
    if label in WHOLE_DAYS:
        try:
            days = int(value) if not isinstance(value, float | bool) else -1
        except (TypeError, ValueError):
            days = -1
        if days < 0:
            return f"{label}: {value!r} is not a whole number of working days"
    return None
