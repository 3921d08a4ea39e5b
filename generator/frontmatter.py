"""YAML front matter that remembers the line of every key, for error messages."""

from __future__ import annotations

from dataclasses import dataclass
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


def split(text: str) -> FrontMatter:
    """Split `---` delimited YAML front matter from a markdown text and parse it."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != DELIMITER:
        raise FrontMatterError("the file must start with '---' and YAML front matter", 1)
    end = next((i for i, line in enumerate(lines[1:], start=1) if line.strip() == DELIMITER), None)
    if end is None:
        raise FrontMatterError("the front matter has no closing '---' line", 1)
    yaml_text = "".join(lines[1:end])
    data, key_lines = _load_with_lines(yaml_text, first_line=2)
    return FrontMatter(data, key_lines, "".join(lines[end + 1 :]), end + 2)


def _load_with_lines(text: str, first_line: int) -> tuple[Any, dict[tuple, int]]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + first_line if mark is not None else first_line
        problem = getattr(exc, "problem", None) or str(exc)
        raise FrontMatterError(plain_yaml_message(problem, line), line) from None
    except ValueError:  # YAML reads 2026-02-30 as a date by its look, then finds no such day
        text, line = _impossible_date(loader, node, first_line)
        message = f"the front matter cannot be read: {text} is not a date on the calendar"
        raise FrontMatterError(f"{message}; check line {line}", line) from None
    finally:
        loader.dispose()
    key_lines: dict[tuple, int] = {}
    if node is not None:
        _record_lines(node, (), key_lines, first_line)
    return data, key_lines


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


def _record_lines(node: yaml.Node, path: tuple, out: dict[tuple, int], first_line: int) -> None:
    out[path] = node.start_mark.line + first_line
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = (*path, key_node.value)
            _record_lines(value_node, key_path, out, first_line)
            out[key_path] = key_node.start_mark.line + first_line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*path, index), out, first_line)
