"""Split FEEL text into tokens.

Names are single words here; the parser joins consecutive words into names
with spaces ("Monthly Salary"), which is what FEEL allows and DMN modellers use.
"""
import re
from dataclasses import dataclass

from .errors import FeelSyntaxError

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?|\.\d+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<name>[^\W\d][\w']*)
  | (?P<op>\.\.|\*\*|<=|>=|!=|[-+*/=<>()\[\]{},.:?])
    """,
    re.VERBOSE,
)
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "'": "'"}


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, name, op, end
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise FeelSyntaxError(f"unexpected character {text[pos]!r} at {pos} in {text!r}")
        if match.lastgroup != "space":
            tokens.append(Token(match.lastgroup, match.group(), pos))
        pos = match.end()
    tokens.append(Token("end", "", pos))
    return tokens


def unquote(literal: str) -> str:
    """The value of a string token, with FEEL's backslash escapes decoded."""
    body, out, i = literal[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out.append(char)
            i += 1
        elif body[i + 1] == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2:i + 6]):
            out.append(chr(int(body[i + 2:i + 6], 16)))
            i += 6
        elif body[i + 1] in _ESCAPES:
            out.append(_ESCAPES[body[i + 1]])
            i += 2
        else:
            raise FeelSyntaxError(f"unknown escape \\{body[i + 1]} in {literal}")
    return "".join(out)
