"""YAML front matter that remembers the line of every key, for error messages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

DELIMITER = "---"


@dataclass
class FrontMatter:
    """Parsed front matter: the data, the file line of each key path, and the body."""

    data: Any
    lines: dict[tuple, int]
    body: str
    body_line: int  # file line on which the body starts
    # (key path, file line, the text YAML took for a comment) of values cut short by ' #1 ...'
    cut: list[tuple[tuple, int, str]] = field(default_factory=list)

    def line(self, *path: Any) -> int | None:
        """The file line of a key path such as ("phases", 2, "start"), or its nearest parent."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


class FrontMatterError(ValueError):
    """Front matter missing or not valid YAML; carries the file line."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


def split(text: str, repeats: bool = False) -> FrontMatter:
    """Split `---` delimited YAML front matter from a markdown text and parse it. A key given
    twice is an error, unless `repeats` (an archived file, read as YAML read it: the last)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != DELIMITER:
        raise FrontMatterError("the file must start with '---' and YAML front matter", 1)
    end = next((i for i, line in enumerate(lines[1:], start=1) if line.strip() == DELIMITER), None)
    if end is None:
        raise FrontMatterError("the front matter has no closing '---' line", 1)
    yaml_text = "".join(lines[1:end])
    data, key_lines, cut = _load_with_lines(yaml_text, 2, repeats)
    return FrontMatter(data, key_lines, "".join(lines[end + 1 :]), end + 2, cut)


def _load_with_lines(
    text: str, first_line: int, repeats: bool = False
) -> tuple[Any, dict[tuple, int], list]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + first_line if mark is not None else first_line
        problem = getattr(exc, "problem", None) or str(exc)
        quoting = _quoting_mistake(text.splitlines(), mark.line if mark is not None else 0)
        if quoting is not None:
            advice, line = quoting[0], quoting[1] + first_line
            message = f"the front matter cannot be read: {advice.format(line=line)}"
            raise FrontMatterError(message, line) from None
        raise FrontMatterError(plain_yaml_message(problem, line), line) from None
    except ValueError:  # YAML reads 2026-02-30 as a date by its look, then finds no such day
        text, line = _impossible_date(loader, node, first_line)
        message = f"the front matter cannot be read: {text} is not a date on the calendar"
        raise FrontMatterError(f"{message}; check line {line}", line) from None
    finally:
        loader.dispose()
    key_lines: dict[tuple, int] = {}
    cut: list[tuple[tuple, int, str]] = []
    if node is not None:
        _record_lines(node, (), key_lines, first_line, repeats)
        _find_cut_values(node, (), text.splitlines(), first_line, cut)
    return data, key_lines, cut


# `key: value` or `- value` whose value starts with a quote, in a line of front matter.
_QUOTED_VALUE = re.compile(
    r"""^(?P<lead>\s*(?:-\s+)?(?:[^\s'"#:-][^:#]*:\s+)?)(?P<value>['"].*)$"""
)


def _closing_quote(value: str) -> int | None:
    """The index of the quote that closes `value` (which starts with one), or None."""
    quote, index = value[0], 1
    while index < len(value):
        char = value[index]
        if quote == '"' and char == "\\":
            index += 2
            continue
        if char == quote:
            if quote == "'" and value[index + 1 : index + 2] == "'":  # '' is a quote inside
                index += 2
                continue
            return index
        index += 1
    return None


def _quoting_mistake(lines: list[str], upto: int) -> tuple[str, int] | None:
    """The commonest quoting slips, found by reading the lines up to YAML's complaint: a quote
    not closed on its line, or text after the closing quote (`title: 'Lorem's care'`).
    (advice, 0-based line) or None. PyYAML reports both far from where they are."""
    for number, line in enumerate(lines[: upto + 1]):
        match = _QUOTED_VALUE.match(line.rstrip())
        if match is None:
            continue
        value = match["value"]
        closing = _closing_quote(value)
        if closing is None:
            return (
                "the quote that opens the value on line {line} is not closed on that line",
                number,
            )
        rest = value[closing + 1 :].strip()
        if rest and not rest.startswith("#"):
            inner = value[1:-1] if value[-1] == value[0] and len(value) > 1 else value
            if '"' not in inner:
                fixed = f'"{inner}"'
            elif "'" not in inner:
                fixed = f"'{inner}'"
            else:
                fixed = "'" + inner.replace("'", "''") + "'"
            lead = match["lead"].strip()
            suggestion = f"{lead} {fixed}" if lead else fixed
            return (
                "on line {line} the text goes on after its closing quote; quote all of it, "
                f"as {suggestion.replace('{', '{{').replace('}', '}}')}",
                number,
            )
    return None


def _find_cut_values(node: yaml.Node, path: tuple, lines: list[str], first_line: int, out: list):
    """Plain values followed on their line by '#' and text with no space between, such as
    `title: Lorem #1 care`: YAML takes '#1 care' for a comment, the author rarely means it."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            _find_cut_values(value_node, (*path, key_node.value), lines, first_line, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _find_cut_values(item, (*path, index), lines, first_line, out)
    elif isinstance(node, yaml.ScalarNode) and node.style is None:
        end = node.end_mark
        after = lines[end.line][end.column :] if end.line < len(lines) else ""
        comment = re.match(r"\s+(#\S.*)$", after)
        if comment:
            out.append((path, end.line + first_line, comment[1].strip()))


def _impossible_date(loader: yaml.SafeLoader, node, first_line: int) -> tuple[str, int]:
    """The text and file line of the first date-like value that is no real date."""
    stack = [node] if node is not None else []
    while stack:
        item = stack.pop(0)
        if isinstance(item, yaml.MappingNode):
            stack.extend(value for pair in item.value for value in pair)
        elif isinstance(item, yaml.SequenceNode):
            stack.extend(item.value)
        elif item.tag == "tag:yaml.org,2002:timestamp":
            try:
                loader.construct_yaml_timestamp(item)
            except ValueError:
                return item.value, item.start_mark.line + first_line
    return "a date", first_line


# What PyYAML says, and what an author can do about it.
_YAML_ADVICE = (
    ("mapping values are not allowed", "put text containing ':' in quotes"),
    (
        "expected <block end>",
        "check the indentation on line {line}: items of one list or "
        "keys of one mapping must start in the same column",
    ),
    ("expected <block mapping start>", "check the indentation on line {line}"),
    (
        "could not find expected ':'",
        "line {line} needs 'key: value'; or put text containing ':' or '#' in quotes",
    ),
    ("found character '\\t'", "indent with spaces, not tabs"),
    (
        "found character that cannot start any token",
        "put text that starts with '@', '`', '%' or '|' in quotes",
    ),
    ("found undefined alias", "put text that starts with '*' or '&' in quotes"),
    ("expected alphabetic or numeric character", "put text that starts with '*' or '&' in quotes"),
    ("expected ',' or ']'", "a list in [brackets] is not closed, or its text needs quotes"),
    ("expected ',' or '}'", "a mapping in {braces} is not closed, or its text needs quotes"),
    ("found unexpected end of stream", "a quote is not closed"),
    ("while scanning a quoted scalar", "a quote is not closed"),
)


def plain_yaml_message(problem: str, line: int) -> str:
    """The front matter's YAML error in plain words, with what to do."""
    for marker, advice in _YAML_ADVICE:
        if marker in problem:
            return f"the front matter cannot be read: {advice.format(line=line)}"
    return f"the front matter cannot be read (YAML: {problem}); check line {line}"


def _record_lines(
    node: yaml.Node, path: tuple, out: dict[tuple, int], first_line: int, repeats: bool = False
) -> None:
    out[path] = node.start_mark.line + first_line
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + first_line
            if key_node.value in seen and not repeats:  # YAML would quietly keep the last
                raise FrontMatterError(
                    f"the front matter gives {key_node.value} twice, on lines "
                    f"{seen[key_node.value]} and {line}: keep one",
                    line,
                )
            seen[key_node.value] = line
            key_path = (*path, key_node.value)
            _record_lines(value_node, key_path, out, first_line, repeats)
            out[key_path] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*path, index), out, first_line, repeats)
