"""The restricted expression language of conditions, scripts and timers.

A Python-syntax subset, interpreted by walking the AST: user code is never compiled or run
by eval/exec. Names read the instance data and a set of helpers; attribute access is limited
to a few methods of plain values; nothing starting with "_" can be named. Every evaluation has
a step budget and a time limit, so a script cannot run for ever or build huge values.
"""
import ast
import operator
import re
import time
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from engine.errors import Message, ShenpiError

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_STEPS = 100_000
TIMEOUT = 1.0
MAX_SIZE = 100_000  # elements of a built list/string/dict
# Elements built by one evaluation in all: each value stays under MAX_SIZE, and a loop must not
# keep thousands of them (a copy of a big list is one step). About 80 MB at most.
MAX_BUILT = 100 * MAX_SIZE


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


def _days(n) -> str:
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
    "range": lambda *a: _bounded(range(*a)),
    "date": date, "datetime": datetime, "timedelta": timedelta,
    "today": lambda: datetime.now(SHANGHAI).date(), "now": lambda: datetime.now(SHANGHAI),
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
BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
          ast.Pow: operator.pow}
CMPOPS = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
          ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b,
          ast.NotIn: lambda a, b: a not in b, ast.Is: operator.is_, ast.IsNot: operator.is_not}
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
ALLOWED = (ast.Expression, ast.Module, ast.Expr, ast.Constant, ast.Name, ast.Load, ast.Store,
           ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Call, ast.keyword,
           ast.Attribute, ast.Subscript, ast.Slice, ast.List, ast.Tuple, ast.Dict, ast.Set,
           ast.Assign, ast.AugAssign, ast.If, ast.For, ast.Pass, ast.Break, ast.Continue,
           ast.ListComp, ast.DictComp, ast.comprehension, ast.JoinedStr, ast.FormattedValue,
           ast.And, ast.Or, *BINOPS, *CMPOPS, *UNARY)


def _bounded(value):
    _fits(len(value))
    return value


def _fits(size: int, lineno: int | None = None) -> None:
    if size > MAX_SIZE:
        raise ExpressionError(f"value too large (more than {MAX_SIZE} elements)", lineno)


# Strings are measured before they are built, where one step could build gigabytes: a replace
# with a long replacement, a join of long strings, a %-format with a wide field.
_FORMAT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _text_size(value, measured: dict | None = None, nested: bool = False) -> int:
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
            size = 2 + sum(_text_size(k, measured, True) + _text_size(v, measured, True) + 2
                           for k, v in value.items())
        else:
            size = 2 + sum(_text_size(v, measured, True) + 2 for v in value)
        measured[id(value)] = size
    return measured[id(value)]


_COMPARING = {sorted, min, max, set, dict}
_ANY_METHOD = set().union(*METHODS.values())
_CONTAINERS = (list, tuple, dict, set)
WALKED_PER_STEP = 1000  # characters of values that native code walks, counted as one step


def _format_size(template: str, values) -> int:
    """At most how long `template % values` is."""
    specs = _FORMAT_SPEC.findall(template)
    if any("*" in spec for spec in specs):
        raise ExpressionError("a * field width is not allowed in %-formatting")
    if any(len(number) > 6 for spec in specs for number in spec):
        raise ExpressionError(f"value too large (more than {MAX_SIZE} elements)")
    # Any field prints at most all the values ("%(a)s" repeats one value, "%s" % d prints the dict).
    each = values.values() if isinstance(values, dict) else values if isinstance(values, tuple) else ()
    field = _text_size(values) + sum(_text_size(v) for v in each)
    return len(template) + sum(field + int(width or 0) + int(precision or 0) for width, precision in specs)


def _string_method_size(func, args) -> int | None:
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


@lru_cache(maxsize=4096)
def _parse(source: str, mode: str) -> ast.AST:
    try:
        tree = ast.parse(source.strip() if mode == "eval" else source, mode=mode)
    except SyntaxError as exc:
        raise ExpressionError(Message("syntax error on line %(line)s (%(problem)s): check the operators, quotes and "
                                      "brackets; equality is ==", line=exc.lineno or 1, problem=exc.msg), exc.lineno) from None
    for node in ast.walk(tree):
        if not isinstance(node, ALLOWED):
            raise ExpressionError(Message("%(construct)s is not allowed", construct=type(node).__name__),
                                  getattr(node, "lineno", None))
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if name is not None and name.startswith("_"):
            raise ExpressionError(Message("names starting with '_' are not allowed: %(name)s", name=name), node.lineno)
        if isinstance(node, ast.Call) and not isinstance(node.func, (ast.Name, ast.Attribute)):
            raise ExpressionError(Message("only helpers and value methods may be called"), node.lineno)
    return tree


def check(source: str, mode: str = "eval", callables=()) -> None:
    """Refuse, at deploy time, anything the interpreter would not run.

    `callables` names the functions the product adds to HELPERS; calling any other name fails.
    """
    if not isinstance(source, str):
        raise ExpressionError(Message("an expression must be text"))
    tree = _parse(source, "eval" if mode == "eval" else "exec")
    known = set(HELPERS) | set(callables)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in known:
            raise ExpressionError(Message("%(name)s is not a function that can be called here", name=repr(node.func.id)),
                                  node.lineno)
        if isinstance(node, ast.Attribute) and node.attr not in _ANY_METHOD:  # no value has it
            raise ExpressionError(Message("attribute %(name)s is not allowed", name=repr(node.attr)), node.lineno)


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _Interpreter:
    def __init__(self, data, functions, max_steps, timeout):
        self.data, self.functions = data, {**HELPERS, **(functions or {})}
        self.steps, self.max_steps = 0, max_steps
        self.deadline = time.monotonic() + timeout
        self.built = 0  # elements of the values built so far (MAX_BUILT)

    def tick(self, node, steps: int = 1):
        self.steps += steps
        if self.steps > self.max_steps or ((steps > 1 or self.steps % 1000 == 0) and time.monotonic() > self.deadline):
            raise ExpressionTimeout("the expression ran too long and was stopped", getattr(node, "lineno", None))

    def weigh(self, values, node) -> None:
        """Comparing, sorting or hashing containers runs in native code, which the step count
        cannot stop: a list holding one big list many times (small to build) would be walked
        many times, a tuple of such tuples hashed likewise. What may be walked is measured first,
        as the text the values would print, refused past MAX_BUILT and counted as steps."""
        if any(isinstance(v, _CONTAINERS) for v in values):
            size = _text_size(values)
            if size > MAX_BUILT:
                raise ExpressionError("values too large to compare", getattr(node, "lineno", None))
            self.tick(node, size // WALKED_PER_STEP)

    def key(self, value, node):
        """A value about to be hashed (a dict key, a set element): only a tuple can be deep."""
        if isinstance(value, tuple):
            self.weigh((value,), node)
        return value

    def run(self, body):
        for stmt in body:
            self.stmt(stmt)

    def stmt(self, node):
        self.tick(node)
        if isinstance(node, ast.Expr):
            self.expr(node.value)
        elif isinstance(node, ast.Assign):
            value = self.expr(node.value)
            for target in node.targets:
                self.assign(target, value)
        elif isinstance(node, ast.AugAssign):
            value = self.binop(node.op, self.current(node.target), self.expr(node.value), node)
            self.assign(node.target, value)
        elif isinstance(node, ast.If):
            self.run(node.body if self.expr(node.test) else node.orelse)
        elif isinstance(node, ast.For):
            for item in self.expr(node.iter):
                self.assign(node.target, item)
                try:
                    self.run(node.body)
                except _Break:
                    break
                except _Continue:
                    continue
        elif isinstance(node, ast.Break):
            raise _Break
        elif isinstance(node, ast.Continue):
            raise _Continue

    def current(self, target):
        if isinstance(target, ast.Name):
            return self.expr(ast.Name(id=target.id, ctx=ast.Load(), lineno=target.lineno))
        if isinstance(target, ast.Subscript):
            return self.expr(target.value)[self.expr(target.slice)]
        raise ExpressionError("only names and items can be updated", target.lineno)

    def binop(self, op, left, right, node):
        if isinstance(op, ast.Pow) and isinstance(right, (int, float)) and abs(right) > 100:
            raise ExpressionError("exponent too large", node.lineno)
        if isinstance(op, ast.Mult):
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(count, int) and (
                        len(seq) * count > MAX_SIZE or _text_size(seq) * count > MAX_BUILT):
                    raise ExpressionError("value too large", node.lineno)
        if isinstance(op, ast.Mod) and isinstance(left, str):
            _fits(_format_size(left, right), node.lineno)
        return self._check_size(BINOPS[type(op)](left, right))

    def assign(self, target, value):
        if isinstance(target, ast.Name):
            if target.id in self.functions:
                raise ExpressionError(f"{target.id} is a helper and cannot be assigned", target.lineno)
            self.data[target.id] = value
        elif isinstance(target, ast.Subscript):
            self.expr(target.value)[self.key(self.expr(target.slice), target)] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = list(value)
            if len(values) != len(target.elts):
                raise ExpressionError("wrong number of values to unpack", target.lineno)
            for t, v in zip(target.elts, values):
                self.assign(t, v)
        else:
            raise ExpressionError("only names and items can be assigned", target.lineno)

    def expr(self, node):
        self.tick(node)
        kind = type(node)
        if kind is ast.Constant:
            if isinstance(node.value, bytes):
                raise ExpressionError("bytes are not allowed", node.lineno)
            return node.value
        if kind is ast.Name:
            if node.id in self.data:
                return self.data[node.id]
            if node.id in self.functions:
                return self.functions[node.id]
            raise ExpressionError(Message("name %(name)s is not defined: the case's data has no such value (given(%(name)s, "
                                          "default) reads one it may lack)", name=repr(node.id)), node.lineno)
        if kind is ast.BinOp:
            return self.binop(node.op, self.expr(node.left), self.expr(node.right), node)
        if kind is ast.UnaryOp:
            return UNARY[type(node.op)](self.expr(node.operand))
        if kind is ast.BoolOp:
            value = None
            for v in node.values:
                value = self.expr(v)
                if isinstance(node.op, ast.And) and not value or isinstance(node.op, ast.Or) and value:
                    return value
            return value
        if kind is ast.Compare:
            left = self.expr(node.left)
            for op, comp in zip(node.ops, node.comparators):
                right = self.expr(comp)
                self.weigh((left, right), node)
                if not CMPOPS[type(op)](left, right):
                    return False
                left = right
            return True
        if kind is ast.IfExp:
            return self.expr(node.body) if self.expr(node.test) else self.expr(node.orelse)
        if kind is ast.Subscript:
            item = self.expr(node.value)[self.key(self.expr(node.slice), node)]
            # A slice is a new value (a loop of them fills memory); an item is one already counted.
            return self._check_size(item) if isinstance(node.slice, ast.Slice) else item
        if kind is ast.Slice:
            return slice(*(self.expr(p) if p is not None else None for p in (node.lower, node.upper, node.step)))
        if kind in (ast.List, ast.Tuple, ast.Set):
            items = [self.expr(e) for e in node.elts]
            if kind is ast.Set:
                self.weigh(items, node)
            return self._check_size({ast.List: list, ast.Tuple: tuple, ast.Set: set}[kind](items))
        if kind is ast.Dict:
            return self._check_size({self.key(self.expr(k), node): self.expr(v) for k, v in zip(node.keys, node.values)})
        if kind is ast.Attribute:
            return self.attribute(self.expr(node.value), node.attr, node)
        if kind is ast.Call:
            return self.call(node)
        if kind is ast.JoinedStr:
            values = [self.expr(v.value) if isinstance(v, ast.FormattedValue) else v.value for v in node.values]
            _fits(sum(_text_size(v) for v in values), node.lineno)
            return self._check_size("".join(map(str, values)))
        if kind in (ast.ListComp, ast.DictComp):
            return self.comprehension(node)
        raise ExpressionError(f"{kind.__name__} is not allowed", getattr(node, "lineno", None))

    def attribute(self, value, name, node):
        allowed = next((m for t, m in METHODS.items() if isinstance(value, t)), set())
        if name not in allowed:
            raise ExpressionError(f"attribute {name!r} is not allowed on {type(value).__name__}", node.lineno)
        return getattr(value, name)

    def call(self, node):
        func = self.expr(node.func)
        if isinstance(node.func, ast.Name) and node.func.id not in self.functions:
            raise ExpressionError(f"{node.func.id!r} is not a helper that can be called", node.lineno)
        args = [self.expr(a) for a in node.args]
        kwargs = {k.arg: self.expr(k.value) for k in node.keywords if k.arg}
        return self.invoke(func, args, kwargs, node)

    def invoke(self, func, args, kwargs, node):
        # A helper given to another (sorted(..., key=str)) is called from native code: it goes
        # through here too, one step each time, under the same limits.
        args = [self.callback(a, node) if callable(a) else a for a in args]
        kwargs = {k: self.callback(v, node) if callable(v) else v for k, v in kwargs.items()}
        _fits(_string_method_size(func, args) or 0, node.lineno)
        if func is str and args:
            _fits(_text_size(args[0]), node.lineno)
        receiver = getattr(func, "__self__", None)
        if func in _COMPARING or isinstance(receiver, list) and func.__name__ in ("count", "index", "remove"):
            self.weigh([receiver, *args], node)
        elif isinstance(receiver, (dict, set)):  # get, pop, setdefault, add, discard hash their key
            self.weigh(args, node)
        size_before = len(receiver) if isinstance(receiver, (list, dict, set)) else None
        result = self._check_size(func(*args, **kwargs))
        if size_before is not None:  # append, extend, update, ... grow their receiver in place
            _fits(len(receiver), node.lineno)
            self._count(max(len(receiver) - size_before, 0))
        return result

    def callback(self, func, node):
        def called(*args, **kwargs):
            self.tick(node)
            return self.invoke(func, list(args), kwargs, node)
        return called

    def comprehension(self, node):
        results = [] if isinstance(node, ast.ListComp) else {}
        saved = dict(self.data)

        def loop(gens):
            if not gens:
                if isinstance(node, ast.ListComp):
                    results.append(self.expr(node.elt))
                else:
                    results[self.key(self.expr(node.key), node)] = self.expr(node.value)
                _bounded(results)
                return
            gen = gens[0]
            for item in self.expr(gen.iter):
                self.assign(gen.target, item)
                if all(self.expr(cond) for cond in gen.ifs):
                    loop(gens[1:])
        try:
            loop(node.generators)
        finally:
            self.data.clear()
            self.data.update(saved)
        return self._check_size(results)

    def _count(self, elements: int) -> None:
        self.built += elements
        if self.built > MAX_BUILT:
            raise ExpressionError(f"the script builds too much (more than {MAX_BUILT} elements in all)")

    def _check_size(self, value):
        if isinstance(value, (str, list, tuple, dict, set)):
            _fits(len(value))
            self._count(len(value))
        if isinstance(value, int) and value.bit_length() > 4096:
            raise ExpressionError("number too large")
        return value


def _guarded(fn):
    try:
        return fn()
    except (ExpressionError, ShenpiError):  # a helper's own error (a rule incident) keeps its kind
        raise
    except RecursionError:
        raise ExpressionError("the expression is nested too deeply") from None
    except Exception as exc:  # a data error (missing key, wrong type) is the designer's to fix
        raise ExpressionError(f"{type(exc).__name__}: {exc}") from None


def evaluate(source: str, data: Mapping, functions: Mapping | None = None, *,
             max_steps: int = MAX_STEPS, timeout: float = TIMEOUT) -> Any:
    tree = _parse(source, "eval")
    runner = _Interpreter(dict(data), functions, max_steps, timeout)
    return _guarded(lambda: runner.expr(tree.body))


def execute(source: str, data: dict, functions: Mapping | None = None, *,
            max_steps: int = MAX_STEPS, timeout: float = TIMEOUT) -> None:
    tree = _parse(source, "exec")
    runner = _Interpreter(data, functions, max_steps, timeout)
    _guarded(lambda: runner.run(tree.body))
