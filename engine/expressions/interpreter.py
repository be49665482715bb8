"""Running an expression or a script: its syntax tree walked node by node, never compiled, under
a budget (steps, a time limit, the elements it builds), so that no script runs for ever or fills
the memory. A step is one node; native code that walks values (comparing, sorting, hashing)
counts by the size of what it walks."""
import ast
import time
from typing import Any, Mapping

from engine.errors import Message, ShenpiError
from engine.expressions import ExpressionError, ExpressionTimeout
from engine.expressions.helpers import HELPERS, METHODS
from engine.expressions.sizes import MAX_SIZE, bounded, fits, format_size, string_method_size, text_size
from engine.expressions.syntax import BINOPS, CMPOPS, UNARY, parse

MAX_STEPS = 100_000
TIMEOUT = 1.0
# Elements built by one evaluation in all: each value stays under MAX_SIZE, and a loop must not
# keep thousands of them (a copy of a big list is one step). About 80 MB at most.
MAX_BUILT = 100 * MAX_SIZE
WALKED_PER_STEP = 1000  # characters of values that native code walks, counted as one step
_COMPARING = {sorted, min, max, set, dict}
_CONTAINERS = (list, tuple, dict, set)


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
            size = text_size(values)
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
                        len(seq) * count > MAX_SIZE or text_size(seq) * count > MAX_BUILT):
                    raise ExpressionError("value too large", node.lineno)
        if isinstance(op, ast.Mod) and isinstance(left, str):
            fits(format_size(left, right), node.lineno)
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
            fits(sum(text_size(v) for v in values), node.lineno)
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
        fits(string_method_size(func, args) or 0, node.lineno)
        if func is str and args:
            fits(text_size(args[0]), node.lineno)
        receiver = getattr(func, "__self__", None)
        if func in _COMPARING or isinstance(receiver, list) and func.__name__ in ("count", "index", "remove"):
            self.weigh([receiver, *args], node)
        elif isinstance(receiver, (dict, set)):  # get, pop, setdefault, add, discard hash their key
            self.weigh(args, node)
        size_before = len(receiver) if isinstance(receiver, (list, dict, set)) else None
        result = self._check_size(func(*args, **kwargs))
        if size_before is not None:  # append, extend, update, ... grow their receiver in place
            fits(len(receiver), node.lineno)
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
                bounded(results)
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
            fits(len(value))
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
    """An expression's value over `data` (a copy: a condition changes nothing); `functions` are
    the product's, added to the helpers."""
    tree = parse(source, "eval")
    runner = _Interpreter(dict(data), functions, max_steps, timeout)
    return _guarded(lambda: runner.expr(tree.body))


def execute(source: str, data: dict, functions: Mapping | None = None, *,
            max_steps: int = MAX_STEPS, timeout: float = TIMEOUT) -> None:
    """Run a script: what it assigns is written into `data` itself (a task's data)."""
    tree = parse(source, "exec")
    runner = _Interpreter(data, functions, max_steps, timeout)
    _guarded(lambda: runner.run(tree.body))
