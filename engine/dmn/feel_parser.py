"""Recursive-descent parser for FEEL expressions and unary tests.

Precedence, loosest first: if/then/else, or, and, comparison (= != < <= > >=
between in), + -, * /, **, unary -, then postfix path (.name) and call (args).
"""
from decimal import Decimal

from . import feel_ast as ast
from .errors import FeelSyntaxError
from .feel_lexer import Token, tokenize, unquote

KEYWORDS = {"and", "or", "between", "in", "if", "then", "else", "true", "false", "null"}
_CONSTANTS = {"true": True, "false": False, "null": None}
_COMPARISONS = {"=", "!=", "<", "<=", ">", ">="}
_OPEN_INTERVAL = {"[": True, "(": False, "]": False}
_CLOSE_INTERVAL = {"]": True, ")": False, "[": False}


def parse_expression(text: str) -> ast.Node:
    parser = _Parser(text)
    node = parser.expression()
    parser.expect_end()
    return node


def parse_unary_tests(text: str) -> ast.Node:
    parser = _Parser(text)
    node = parser.unary_tests()
    parser.expect_end()
    return node


def parse_expression_list(text: str) -> list[ast.Node]:
    """Comma-separated expressions, as in an output values list."""
    parser = _Parser(text)
    nodes = [parser.expression()]
    while parser.accept(","):
        nodes.append(parser.expression())
    parser.expect_end()
    return nodes


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.saw_input = False

    # Token helpers

    @property
    def token(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def at(self, *texts: str) -> bool:
        return self.token.kind in ("op", "name") and self.token.text in texts

    def accept(self, *texts: str) -> str | None:
        if self.at(*texts):
            self.pos += 1
            return self.tokens[self.pos - 1].text
        return None

    def expect(self, *texts: str) -> str:
        found = self.accept(*texts)
        if found is None:
            self.fail(f"expected {' or '.join(texts)}")
        return found

    def expect_end(self):
        if self.token.kind != "end":
            self.fail("unexpected text")

    def fail(self, message: str):
        raise FeelSyntaxError(f"{message} at {self.token.pos} ({self.token.text or 'end'!r}) in {self.text!r}")

    def at_name_word(self, offset: int = 0, continuing: bool = False) -> bool:
        """Whether a name (or, when continuing one, a further word of it such as the 2 in 'Phase 2') is here."""
        token = self.peek(offset)
        if continuing and token.kind == "number":
            return token.text.isdigit()
        return token.kind == "name" and token.text not in KEYWORDS

    def name(self) -> str:
        """A name of one or more words: 'Monthly Salary' is lexed as two words."""
        if not self.at_name_word():
            self.fail("expected a name")
        words = []
        while self.at_name_word(continuing=bool(words)):
            words.append(self.token.text)
            self.pos += 1
        return " ".join(words)

    # Expressions

    def expression(self) -> ast.Node:
        if self.accept("if"):
            condition = self.expression()
            self.expect("then")
            then = self.expression()
            self.expect("else")
            return ast.If(condition, then, self.expression())
        return self.disjunction()

    def disjunction(self) -> ast.Node:
        node = self.conjunction()
        while self.accept("or"):
            node = ast.Or(node, self.conjunction())
        return node

    def conjunction(self) -> ast.Node:
        node = self.comparison()
        while self.accept("and"):
            node = ast.And(node, self.comparison())
        return node

    def comparison(self) -> ast.Node:
        node = self.additive()
        if op := self.accept(*_COMPARISONS):
            return ast.Binary(op, node, self.additive())
        if self.accept("between"):
            low = self.additive()
            self.expect("and")
            return ast.Between(node, low, self.additive())
        if self.accept("in"):
            if self.at("(") and not self._starts_interval():
                self.pos += 1
                tests = self.positive_unary_tests()
                self.expect(")")
            else:
                tests = ast.AnyOf((self.positive_unary_test(),))
            return ast.In(node, tests)
        return node

    def additive(self) -> ast.Node:
        node = self.multiplicative()
        while op := self.accept("+", "-"):
            node = ast.Binary(op, node, self.multiplicative())
        return node

    def multiplicative(self) -> ast.Node:
        node = self.exponent()
        while op := self.accept("*", "/"):
            node = ast.Binary(op, node, self.exponent())
        return node

    def exponent(self) -> ast.Node:
        node = self.unary()
        while self.accept("**"):
            node = ast.Binary("**", node, self.unary())
        return node

    def unary(self) -> ast.Node:
        if self.accept("-"):
            return ast.Negate(self.unary())
        return self.postfix()

    def postfix(self) -> ast.Node:
        node = self.primary()
        while True:
            if self.accept("."):
                node = ast.Path(node, self.name())
            elif self.accept("("):
                node = self.call(node)
            else:
                return node

    def call(self, function: ast.Node) -> ast.Node:
        args, named = [], []
        while not self.accept(")"):
            if args or named:
                self.expect(",")
            if self.at_name_word() and self._named_argument_follows():
                key = self.name()
                self.expect(":")
                named.append((key, self.expression()))
            elif named:
                self.fail("positional argument after named argument")
            else:
                args.append(self.expression())
        return ast.Call(function, tuple(args), tuple(named))

    def _named_argument_follows(self) -> bool:
        offset = 0
        while self.at_name_word(offset, continuing=offset > 0):
            offset += 1
        return self.peek(offset).kind == "op" and self.peek(offset).text == ":"

    def primary(self) -> ast.Node:
        token = self.token
        if token.kind == "number":
            self.pos += 1
            return ast.Literal(Decimal(token.text))
        if token.kind == "string":
            self.pos += 1
            return ast.Literal(unquote(token.text))
        if token.kind == "name" and token.text in _CONSTANTS:
            self.pos += 1
            return ast.Literal(_CONSTANTS[token.text])
        if self.accept("?"):
            self.saw_input = True
            return ast.Name(ast.INPUT)
        if self.accept("("):
            node = self.expression()
            self.expect(")")
            return node
        if self.accept("["):
            return ast.ListOf(tuple(self.items("]", self.expression)))
        if self.accept("{"):
            return ast.Context(tuple(self.items("}", self.context_entry)))
        if self.at_name_word():
            return ast.Name(self.name())
        self.fail("expected a value")

    def items(self, close: str, item):
        items = []
        while not self.accept(close):
            if items:
                self.expect(",")
            items.append(item())
        return items

    def context_entry(self) -> tuple[str, ast.Node]:
        key = unquote(self.token.text) if self.token.kind == "string" else None
        if key is None:
            key = self.name()
        else:
            self.pos += 1
        self.expect(":")
        return key, self.expression()

    # Unary tests

    def unary_tests(self) -> ast.Node:
        if self.at("-") and self.peek().kind == "end":
            self.pos += 1
            return ast.AnyValue()
        if self.at("not") and self.peek().text == "(":
            self.pos += 2
            tests = self.positive_unary_tests()
            self.expect(")")
            return ast.NoneOf(tests)
        return self.positive_unary_tests()

    def positive_unary_tests(self) -> ast.AnyOf:
        tests = [self.positive_unary_test()]
        while self.accept(","):
            tests.append(self.positive_unary_test())
        return ast.AnyOf(tuple(tests))

    def positive_unary_test(self) -> ast.Node:
        if op := self.accept("<", "<=", ">", ">=", "=", "!="):
            return ast.Comparison(op, self.additive())
        if self._starts_interval():
            low_closed = _OPEN_INTERVAL[self.token.text]
            self.pos += 1
            low = self.additive()
            self.expect("..")
            high = self.additive()
            return ast.Interval(low, high, low_closed, _CLOSE_INTERVAL[self.expect("]", ")", "[")])
        self.saw_input = False
        node = self.expression()
        return ast.Matches(node, self.saw_input)

    def _starts_interval(self) -> bool:
        """An opening bracket whose first endpoint is followed by '..', told apart from a list or parentheses."""
        if not self.at(*_OPEN_INTERVAL):
            return False
        start = self.pos
        self.pos += 1
        try:
            self.additive()
            return self.at("..")
        except FeelSyntaxError:
            return False
        finally:
            self.pos = start
