"""Values written straight into a procedure, checked at deploy time for what they must be: a
timer's ISO 8601 date, duration or cycle, a step's number of working days, whether its silence
consents (True or False). An expression that computes them is checked when it runs; a constant
that is wrong would fail every case that reaches it, and one written without quotes (PT72H), or
a switch's word (true), would be read as a variable's name."""
import ast
import re

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.clock.limits import MAX_WORKING_DAYS
from engine.errors import Message

# Each timer's parser, and what is said of a value it cannot read.
TIMERS = {"timeDate": (TimerEventDefinition.get_datetime,
                       lambda value: Message("timeDate: %(value)s is not an ISO 8601 date", value=value)),
          "timeDuration": (TimerEventDefinition.parse_iso_duration,
                           lambda value: Message("timeDuration: %(value)s is not an ISO 8601 duration", value=value)),
          "timeCycle": (TimerEventDefinition.parse_iso_recurring_interval,
                        lambda value: Message("timeCycle: %(value)s is not an ISO 8601 cycle", value=value))}
# An ISO 8601 value written without quotes: read as a name (PT72H), a sum (R3/PT1H), or not at all.
UNQUOTED_ISO = re.compile(r"(R\d*/)?(P(\d|T\d)|\d{4}-\d{2}-\d{2})[\w:.+\-/]*")
WHOLE_DAYS = ("promisedDaysExpression", "statutoryDaysExpression")
TRUTHS = ("silenceConsentsExpression",)  # true or false, as an expression gives them (True, not 'true')


def problem(label: str, source: str) -> str | None:
    """What is wrong with the value `source` of the element or property `label`, if it is a
    constant, or None (also for an expression that computes the value)."""
    source = source.strip()
    if label in TRUTHS and source in ("true", "false"):  # a switch's word, read here as a name
        return Message("%(label)s: write %(value)s (an expression), not %(source)s",
                       label=label, value=source.capitalize(), source=source)
    if label in TIMERS and UNQUOTED_ISO.fullmatch(source):
        return Message("%(label)s: write the ISO 8601 value as text, %(quoted)s (without quotes it is read as an "
                       "expression)", label=label, quoted=f"'{source}'")
    try:
        value = ast.literal_eval(source)  # a constant, -2 and 'P3D' alike
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None  # an expression: checked when it runs (the expression check reads its syntax)
    if label in TIMERS and isinstance(value, str):
        parse, wrong = TIMERS[label]
        try:
            parse(value)
        except Exception:  # the library says only "Invalid duration", or a ValueError of its own
            return wrong(repr(value))
    if label in TRUTHS and not isinstance(value, bool):
        return Message("%(label)s: %(value)s is neither True nor False", label=label, value=repr(value))
    if label in WHOLE_DAYS:
        try:
            days = int(value) if not isinstance(value, float | bool) else -1
        except (TypeError, ValueError):
            days = -1
        if not 0 <= days <= MAX_WORKING_DAYS:
            return Message("%(label)s: %(value)s is not a whole number of working days from 0 to %(max)s",
                           label=label, value=repr(value), max=MAX_WORKING_DAYS)
    return None
