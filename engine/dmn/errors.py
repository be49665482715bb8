"""Exceptions of the DMN engine.

DMN errors carry the file and the element id so that an incident raised from a
decision points the rule author at the exact table or expression to fix.
FEEL errors carry neither: FEEL text does not know where it lives, so the DMN
layer wraps them with that location.
"""


class DmnError(Exception):
    def __init__(self, message: str, element_id: str | None = None, filename: str | None = None):
        super().__init__(message)
        self.message = message
        self.element_id = element_id
        self.filename = filename

    def __str__(self) -> str:
        where = ", ".join(part for part in (self.filename, self.element_id and f"element {self.element_id!r}") if part)
        return f"{self.message} ({where})" if where else self.message


class DmnParseError(DmnError):
    """The file is not a DMN model this engine can run: bad XML, hostile XML, bad FEEL, unsupported construct."""


class DmnEvaluationError(DmnError):
    """Evaluation failed for a reason other than the hit policy: unknown name, input breaking its type."""


class NoMatchingRule(DmnError):
    """A single-hit decision table matched no rule and has no default output (raised only in strict mode)."""


class RuleOverlap(DmnError):
    """A UNIQUE table matched several rules, or an ANY table matched rules with different outputs."""


class FeelError(Exception):
    """A FEEL expression failed in a way FEEL's null semantics do not cover."""


class FeelSyntaxError(FeelError):
    pass
