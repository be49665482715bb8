"""The restricted expression language of conditions, scripts and timers.

A Python-syntax subset, interpreted by walking the AST: user code is never compiled or run
by eval/exec. Names read the instance data and a set of helpers; attribute access is limited
to a few methods of plain values; nothing starting with "_" can be named. Every evaluation has
a step budget and a time limit, so a script cannot run for ever or build huge values.
"""
import re

MAX_SIZE = 100_000  # elements of a built list/string/dict


class ExpressionError(Exception):
    def __init__(self, message: str, lineno: int | None = None):
        super().__init__(message)
        self.message, self.lineno = message, lineno


class ExpressionTimeout(ExpressionError):
    pass


def found_in(exc: BaseException | None) -> ExpressionError | None:
    """The expression's own error behind one the library raised about it (it wraps it, and says
    only "Error evaluating expression"), if there is one."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ExpressionError):
            return exc
        exc = getattr(exc, "exception", None) or exc.__cause__ or exc.__context__
    return None


def bounded(value):
    fits(len(value))
    return value


def fits(size: int, lineno: int | None = None) -> None:
    if size > MAX_SIZE:
        raise ExpressionError(f"value too large (more than {MAX_SIZE} elements)", lineno)


# Strings are measured before they are built, where one step could build gigabytes: a replace
# with a long replacement, a join of long strings, a %-format with a wide field.
_FORMAT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def text_size(value, measured: dict | None = None, nested: bool = False) -> int:
    """At most how long str(value) is, found without building it (a part shared by reference is
    measured once, as str() writes it each time)."""
    if isinstance(value, str) and not nested:
        return len(value)
    if not isinstance(value, (str, list, tuple, set, dict)):  # numbers (bounded), dates, None: small
        return len(repr(value)) if nested else len(str(value))
    measured = {} if measured is None else measured
    if id(value) not in measured:
        measured[id(value)] = 5  # a container inside itself prints as [...]
        if isinstance(value, str):  # inside a container it prints as its repr, quoted and escaped
            size = len(repr(value))
        elif isinstance(value, dict):
            size = 2 + sum(text_size(k, measured, True) + text_size(v, measured, True) + 2
                           for k, v in value.items())
        else:
            size = 2 + sum(text_size(v, measured, True) + 2 for v in value)
        measured[id(value)] = size
    return measured[id(value)]


def format_size(template: str, values) -> int:
    """At most how long `template % values` is."""
    specs = _FORMAT_SPEC.findall(template)
    if any("*" in spec for spec in specs):
        raise ExpressionError("a * field width is not allowed in %-formatting")
    if any(len(number) > 6 for spec in specs for number in spec):
        raise ExpressionError(f"value too large (more than {MAX_SIZE} elements)")
    # Any field prints at most all the values ("%(a)s" repeats one value, "%s" % d prints the dict).
    each = values.values() if isinstance(values, dict) else values if isinstance(values, tuple) else ()
    field = text_size(values) + sum(text_size(v) for v in each)
    return len(template) + sum(field + int(width or 0) + int(precision or 0) for width, precision in specs)


def string_method_size(func, args) -> int | None:
    """At most how long the string a replace or join call builds; None for other calls."""
    receiver = getattr(func, "__self__", None)
    if not isinstance(receiver, str) or not args:
        return None
    if func.__name__ == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        found = receiver.count(args[0]) if args[0] else len(receiver) + 1
        if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
            found = min(found, args[2])
        return len(receiver) + found * max(len(args[1]) - len(args[0]), 0)
    if func.__name__ == "join":
        try:
            items = list(args[0])  # lists, dict views, ranges: every iterable the sandbox can make
        except TypeError:
            return None
        return sum(len(i) for i in items if isinstance(i, str)) + len(receiver) * max(len(items) - 1, 0)
    return None

