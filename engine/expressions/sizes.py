"""How large a value an expression may make: no list, string or dict of more than MAX_SIZE
elements, and a string measured before it is built wherever one step could build a huge one."""
import re

from engine.expressions import ExpressionError

MAX_SIZE = 100_000  # elements of a built list/string/dict


def bounded(value):
    """The value, if it has no more than MAX_SIZE elements."""
    fits(len(value))
    return value


def fits(size: int, lineno: int | None = None) -> None:
    """Refuse a value of `size` elements (or characters) past MAX_SIZE."""
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
