"""A small parser for protobuf text format, enough to check Triton and TF Serving exports.

It accepts what ``google.protobuf.text_format`` accepts for these files (comments, scalar
fields, nested messages, ``[a, b]`` lists) and raises ValueError on anything else, so a
malformed export fails the test. Every field maps to the list of its values.
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(
    r'\s+|#[^\n]*|(?P<tok>[{}\[\]:,]|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|[A-Za-z_]\w*)'
)


def parse(text: str) -> dict[str, list[Any]]:
    """The message in ``text`` as {field: [values]}; nested messages are dicts alike."""
    tokens = _tokenize(text)
    message, pos = _message(tokens, 0)
    if pos != len(tokens):
        raise ValueError(f"unexpected {tokens[pos]!r} at top level")
    return message


def _tokenize(text: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"cannot read {text[pos : pos + 20]!r}")
        if m.group("tok"):
            tokens.append(m.group("tok"))
        pos = m.end()
    return tokens


def _message(tokens: list[str], pos: int) -> tuple[dict[str, list[Any]], int]:
    out: dict[str, list[Any]] = {}
    while pos < len(tokens) and tokens[pos] != "}":
        name = tokens[pos]
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise ValueError(f"expected a field name, got {name!r}")
        pos += 1
        if pos < len(tokens) and tokens[pos] == ":":
            pos += 1
        if pos >= len(tokens):
            raise ValueError(f"field {name} has no value")
        if tokens[pos] == "{":
            value, pos = _message(tokens, pos + 1)
            if pos >= len(tokens) or tokens[pos] != "}":
                raise ValueError(f"message {name} is not closed")
            out.setdefault(name, []).append(value)
            pos += 1
        elif tokens[pos] == "[":
            pos += 1
            while tokens[pos] != "]":
                out.setdefault(name, []).append(_scalar(tokens[pos]))
                pos += 1
                if tokens[pos] == ",":
                    pos += 1
            pos += 1
        else:
            if tokens[pos - 1] != ":":
                raise ValueError(f"scalar field {name} needs a ':'")
            out.setdefault(name, []).append(_scalar(tokens[pos]))
            pos += 1
    return out, pos


def _scalar(token: str) -> Any:
    if token.startswith('"'):
        return token[1:-1]
    if re.fullmatch(r"-?\d+", token):
        return int(token)
    if re.fullmatch(r"-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?", token):
        return float(token)
    if token in ("true", "false"):
        return token == "true"
    if re.fullmatch(r"[A-Za-z_]\w*", token):
        return token  # an enum value
    raise ValueError(f"expected a value, got {token!r}")
