"""The restricted expression language of conditions, scripts and timers.

A Python-syntax subset, interpreted by walking the AST: user code is never compiled or run
by eval/exec. Names read the instance data and a set of helpers; attribute access is limited
to a few methods of plain values; nothing starting with "_" can be named. Every evaluation has
a step budget and a time limit, so a script cannot run for ever or build huge values.

One job a module:
  syntax       the Python subset: parse, and the deploy-time check
  helpers      what an expression may call: the helpers and the methods of plain values
  sizes        how large a value may be, measured before it is built
  interpreter  evaluate and execute, under the step budget and the time limit
Here, the errors every caller catches.
"""


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
