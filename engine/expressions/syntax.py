"""The language's syntax: a Python subset. parse refuses any construct outside it, a name or
attribute starting with "_", and a call of anything but a helper's name or a value's method;
check adds, at deploy time, what the interpreter would refuse only when it runs (an unknown
helper, an attribute no value has)."""
import ast
import operator
from functools import lru_cache

from engine.errors import Message
from engine.expressions import ExpressionError
from engine.expressions.helpers import HELPERS, METHODS

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
_ANY_METHOD = set().union(*METHODS.values())


@lru_cache(maxsize=4096)
def parse(source: str, mode: str) -> ast.AST:
    """The source's syntax tree, every node of it in the subset (kept: the same conditions and
    scripts run at every step of every case)."""
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
    tree = parse(source, "eval" if mode == "eval" else "exec")
    known = set(HELPERS) | set(callables)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in known:
            raise ExpressionError(Message("%(name)s is not a function that can be called here", name=repr(node.func.id)),
                                  node.lineno)
        if isinstance(node, ast.Attribute) and node.attr not in _ANY_METHOD:  # no value has it
            raise ExpressionError(Message("attribute %(name)s is not allowed", name=repr(node.attr)), node.lineno)
