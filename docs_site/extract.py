"""What the documentation names, read straight from the Markdown: code blocks, URL
paths, query parameters, headers, event names and environment variables.

The test suite compares these with the code (the URLconf, the views, the webhook
signing, the settings), so a renamed parameter or a removed route fails a test
instead of leaving the docs quietly wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from docs_site.pages import DOCS_DIR

# Paths the docs may name; anything else (example.com URLs, files) is not ours.
URL_PATH = re.compile(
    r"(?<![\w.~-])/(?:rest|graphql|metadata|settings|docs)(?:/[^\s\"'`)\]<>#,;|\\]*)?(?:\?[^\s\"'`)\]<>#|\\]*)?"
)
_FENCE = re.compile(
    r"^(?P<indent> *)(?P<fence>```+|~~~+)(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$", re.M | re.S
)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_TABLE_ROW = re.compile(r"^\|(.+)\|\s*$")
_DATA_URLENCODE = re.compile(r"--data-urlencode\s+[\"']?([A-Za-z_][A-Za-z0-9_]*)=")
_PY_PARAMS_DICT = re.compile(r"params\s*=\s*\{([^}]*)\}")
_PY_PARAMS_ITEM = re.compile(r"params\[\s*[\"']([A-Za-z_][A-Za-z0-9_]*)[\"']\s*\]")
_DICT_KEY = re.compile(r"[\"']([A-Za-z_][A-Za-z0-9_]*)[\"']\s*:")
_CURL_HEADER = re.compile(r"(?:-H|--header)\s+[\"']([A-Za-z][A-Za-z0-9-]*)\s*:")
_HTTP_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):\s")
_HEADER_NAME = re.compile(
    r"^(?:X-[A-Za-z0-9-]+|webhook-[a-z]+|[A-Z][a-z]+(?:-[A-Z][a-z]+)+|WWW-Authenticate|Authorization)$"
)
_ENV_LIKE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_SHELL_ASSIGNMENT = re.compile(r"(?:^|\s)(?:export\s+)?([A-Z][A-Z0-9_]*)=", re.M)
_EVENT_LIKE = re.compile(r"^([a-z]+|\*)\.([a-z]+|\*)$")


@dataclass(frozen=True)
class CodeBlock:
    file: str
    language: str
    body: str
    # Position in the file, so examples can be run in reading order.
    offset: int


def markdown_files() -> list[Path]:
    return sorted(DOCS_DIR.glob("*.md"))


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def code_blocks(path: Path) -> list[CodeBlock]:
    return [
        CodeBlock(path.name, m["info"].strip().split(" ")[0].lower(), m["body"], m.start())
        for m in _FENCE.finditer(read(path))
    ]


def prose(text: str) -> str:
    """The text outside fenced code blocks."""
    return _FENCE.sub("", text)


def inline_code(text: str) -> list[str]:
    return _INLINE_CODE.findall(prose(text))


def tables(text: str) -> Iterator[tuple[list[str], list[list[str]]]]:
    """Each Markdown table as (header cells, body rows of cells)."""
    lines = prose(text).splitlines()
    index = 0
    while index < len(lines):
        if _TABLE_ROW.match(lines[index]) and index + 1 < len(lines) and set(lines[index + 1]) <= set("|-: "):
            header = _cells(lines[index])
            rows = []
            index += 2
            while index < len(lines) and _TABLE_ROW.match(lines[index]):
                rows.append(_cells(lines[index]))
                index += 1
            yield header, rows
        else:
            index += 1


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


# --- URL paths and query parameters -------------------------------------------------------


def url_mentions(text: str) -> list[str]:
    """Every app URL the text names (path and query), as written, placeholders included."""
    found = []
    for match in URL_PATH.finditer(text):
        url = match.group(0).rstrip(".:")
        found.append(url)
    return found


def split_url(url: str) -> tuple[str, list[str]]:
    parts = urlsplit(url)
    return parts.path, [name for name, _ in parse_qsl(parts.query, keep_blank_values=True)]


def query_parameters_in_code(body: str) -> list[str]:
    """Query parameters a curl or Python example sends outside its URL."""
    names = _DATA_URLENCODE.findall(body) + _PY_PARAMS_ITEM.findall(body)
    for params in _PY_PARAMS_DICT.findall(body):
        names += _DICT_KEY.findall(params)
    return names


def documented_query_parameters(text: str) -> list[str]:
    """Rows of tables whose first column is headed "Parameter"."""
    names = []
    for header, rows in tables(text):
        if header and header[0].lower() == "parameter":
            names += [_INLINE_CODE.findall(row[0])[0] for row in rows if _INLINE_CODE.findall(row[0])]
    return names


# --- Headers ------------------------------------------------------------------------------


def header_mentions(path: Path) -> set[str]:
    """HTTP header names the page names: in curl -H options, in example responses, in
    header tables and in inline code that looks like a header."""
    text = read(path)
    names: set[str] = set()
    for block in code_blocks(path):
        names.update(_CURL_HEADER.findall(block.body))
        if block.language == "http":
            head = block.body.split("\n\n", 1)[0].splitlines()[1:]
            names.update(m.group(1) for line in head if (m := _HTTP_HEADER_LINE.match(line)))
    for header, rows in tables(text):
        if header and header[0].lower() == "header":
            names.update(code for row in rows for code in _INLINE_CODE.findall(row[0]))
    names.update(code for code in inline_code(text) if _HEADER_NAME.match(code))
    names.update(
        m.group(1)
        for code in inline_code(text)
        if (m := re.match(r"^([A-Za-z][A-Za-z0-9-]*): ", code)) and _HEADER_NAME.match(m.group(1))
    )
    return names


# --- Events -------------------------------------------------------------------------------


def event_mentions(text: str, object_names: set[str]) -> set[str]:
    """Inline-code tokens shaped like an event or an operation ("person.created", "*.*")."""
    found = set()
    for code in inline_code(text):
        match = _EVENT_LIKE.match(code)
        if match and (match.group(1) in object_names or match.group(1) in ("*", "webhook")):
            found.add(code)
    return found


# --- Environment variables ----------------------------------------------------------------


def env_var_mentions(path: Path) -> set[str]:
    """Names that look like environment variables: UPPER_SNAKE_CASE inline code and
    shell assignments, and the first column of tables headed "Variable"."""
    text = read(path)
    names = {code for code in inline_code(text) if _ENV_LIKE.match(code)}
    for header, rows in tables(text):
        if header and header[0].lower() == "variable":
            names.update(code for row in rows for code in _INLINE_CODE.findall(row[0]))
    for block in code_blocks(path):
        if block.language in ("sh", "bash", "shell", "console"):
            names.update(_SHELL_ASSIGNMENT.findall(block.body))
            names.update(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", block.body))
    # Env vars named in example code, e.g. os.environ["API_KEY"] or process.env.API_KEY.
    for block in code_blocks(path):
        names.update(re.findall(r"os\.environ(?:\.get)?[\[(]\s*[\"']([A-Z][A-Z0-9_]*)[\"']", block.body))
        names.update(re.findall(r"process\.env\.([A-Z][A-Z0-9_]*)", block.body))
    return names


def table_rows(text: str, first_header: str) -> list[list[str]]:
    """Body rows of every table whose first column is headed ``first_header``."""
    return [row for header, rows in tables(text) if header and header[0] == first_header for row in rows]
