"""DMN decision engine: decision tables, literal expressions and business knowledge models in FEEL.

Usage::

    model = load_dmn(Path("rules/fees.dmn"))
    model.evaluate("Fee", {"Applicant Type": "enterprise", "Area": 120}, strict=True)

Supported subset (passes the DMN TCK compliance-level-2 cases):

* Files: DMN 1.1-1.5 XML, parsed with entity expansion, DTDs and network access
  off; any DOCTYPE is refused. Every FEEL text is compiled at load time.
* DRG: decisions, input data, business knowledge models (invoked as FEEL
  functions, positional or named arguments), information and knowledge
  requirements (a decision sees only what it requires; cycles are refused).
* Decision logic: literal expressions and decision tables. Boxed contexts,
  invocations, relations, lists, decision services and imports are not supported.
* Decision tables: every hit policy (U, A, P, F, R, O, C, C+, C<, C>, C#),
  several outputs (a dict per hit), output values lists (priority for P and O),
  default output entries. UNIQUE with several matches and ANY with differing
  outputs raise RuleOverlap; a single-hit table with no match and no default
  answers None, or raises NoMatchingRule when evaluate(..., strict=True).
  Input values lists are not enforced (a trial offers those of constants).
* model.explain(...) decides strictly and says how: each decision decided, the
  rows each table matched and those its hit policy applied (trial.py, 试算).
* Unary tests: "-", comparisons (< <= > >= = !=), intervals [a..b] (a..b] ]a..b[,
  comma lists, not(...), null, and any FEEL expression (equal to the input, a
  list containing it, or a condition on "?").
* FEEL expressions: numbers (decimal.Decimal, 34 digits), strings, booleans,
  null with three-valued and/or; + - * / ** and unary minus; = != < <= > >=,
  between, in; if-then-else; lists, contexts and paths (a.b); names with
  spaces (words joined by single spaces; names containing operators or the
  keywords and/or/between/in/if/then/else/true/false/null are not supported).
  Built-ins: not, abs, floor, ceiling, decimal, modulo, string length, upper
  case, lower case, substring, contains, starts with, ends with, list contains,
  count, min, max, sum, mean, concatenate. No dates, times or durations; no for/some/every,
  filters, function definitions or instance of.
* Types: item definitions with number/string/boolean base types, structures,
  collections and allowed values are checked on inputs and decision results
  (DmnEvaluationError); null fits every type.
* Deviation from FEEL: a name that is not in scope raises DmnEvaluationError
  instead of evaluating to null, so a misspelt name cannot silently miss every rule.
"""
from .errors import DmnError, DmnEvaluationError, DmnParseError, NoMatchingRule, RuleOverlap
from .loader import load_dmn
from .model import Decision, DmnModel

__all__ = ["load_dmn", "DmnModel", "Decision", "DmnError", "DmnParseError", "DmnEvaluationError",
           "NoMatchingRule", "RuleOverlap"]
