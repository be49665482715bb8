"""What an expression may call: the helpers, by name, and a few methods of plain values (nothing
else can be reached through an attribute)."""
from datetime import date, datetime, timedelta

from engine import clock
from engine.expressions import ExpressionError
from engine.expressions.sizes import bounded


def _days(n) -> str:
    """n days as an ISO 8601 duration (P3D), as a timer takes it."""
    return f"P{int(n)}D"


def _sum(values, start=0):
    """sum() of numbers (or durations) only: adding lists or strings one by one takes time that
    grows with the square of their length, inside one step."""
    if not isinstance(start, (int, float, timedelta)):
        raise ExpressionError("sum adds numbers (or durations) only")
    return sum(values, start)


HELPERS = {
    "len": len, "min": min, "max": max, "sum": _sum, "abs": abs, "round": round, "int": int,
    "float": float, "str": str, "bool": bool, "sorted": sorted, "any": any, "all": all, "list": list,
    "dict": dict, "set": set, "tuple": tuple,
    "range": lambda *a: bounded(range(*a)),
    "date": date, "datetime": datetime, "timedelta": timedelta,
    # China's day and time, as the time limits count them (the clock's day read at each call)
    "today": lambda: clock.today(), "now": lambda: datetime.now(clock.SHANGHAI),
    "parse_date": date.fromisoformat, "days": _days,
}
METHODS = {
    str: {"lower", "upper", "strip", "startswith", "endswith", "split", "join", "replace", "count",
          "index", "find", "isdigit"},
    list: {"append", "count", "index", "extend", "pop", "insert", "remove"},
    dict: {"get", "keys", "values", "items", "update", "pop", "setdefault"},
    set: {"add", "discard"},
    date: {"isoformat", "weekday", "year", "month", "day"},
    datetime: {"isoformat", "date", "weekday", "year", "month", "day", "hour", "minute"},
}
