"""Hypothesis strategies for what people type into armswatch: YAML files and Lucene queries.

Three kinds of input: raw text and bytes weighted towards YAML syntax and its known traps
(bad UTF-8, control characters, deep nesting, alias bombs, Python tags, huge numbers); valid
documents (the shipped sources and rules) with a few mutations; and queries, both from an
alphabet of Lucene syntax and from a small grammar over the index's real fields.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from index.fields import known_field_names

REPO = Path(__file__).resolve().parents[2]

# raw YAML

YAML_TOKENS = [
    *": - [ ] { } , & * ! | > ' \" # % @ ? ~ ` < = .".split(),
    "\n",
    "\n  ",
    "\n- ",
    " ",
    "&a ",
    "*a",
    "*b",
    "<<: ",
    "!!python/object:os.system ",
    "!!python/name:os.system ",
    "!!binary ",
    "!!timestamp ",
    "!!int ",
    "!!float ",
    "!!bool ",
    "!!set ",
    "!!omap ",
    "!custom ",
    "%YAML 1.1\n",
    "---\n",
    "...\n",
    ".nan",
    ".inf",
    "-.inf",
    "0x",
    "0o9",
    "1_0",
    "2024-02-30",
    "2024-05-17T10:30:00Z",
    "null",
    "~",
    "yes",
    "name",
    "kind",
    "query",
    "channels",
    "detail",
    "title",
    "start_urls",
    "\x00",
    "\t",
    "\ufeff",
    "\u2028",
]


def _nested(opening: str, closing: str, inner: str) -> st.SearchStrategy[str]:
    return st.integers(1, 400).map(lambda depth: opening * depth + inner + closing * depth)


def alias_bomb(levels: int, width: int) -> str:
    """The "billion laughs": each anchor repeats the one before it `width` times."""
    lines = ["a0: &a0 [lol, lol, lol]"]
    for level in range(1, levels + 1):
        items = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{items}]")
    return "\n".join(lines) + "\n"


yaml_traps = st.one_of(
    _nested("[", "]", ""),
    _nested("{a: ", "}", "1"),
    st.integers(1, 400).map(lambda depth: "".join(f"{' ' * i}k{i}:\n" for i in range(depth))),
    st.builds(alias_bomb, st.integers(1, 9), st.integers(2, 10)),
    st.integers(1, 6000).map(lambda digits: "limits: {max_pages: " + "9" * digits + "}\n"),
    st.integers(1, 200_000).map(lambda size: "name: " + "x" * size + "\n"),
    st.sampled_from(
        [
            "a: &a [*a]\n",
            "&a {b: *a}\n",
            "a: !!python/object/apply:os.system [echo]\n",
            "a: !!timestamp foo\n",
            "a: !!bool maybe\n",
            "a: !!int ''\n",
            "name: 2024-02-30\n",
            "? [a, b]\n: c\n",
            "--- a\n--- b\n",
        ]
    ),
)
yaml_like_text = st.one_of(
    st.lists(st.sampled_from(YAML_TOKENS) | st.text(max_size=4), max_size=40).map("".join),
    st.text(max_size=300),
    yaml_traps,
)
raw_bytes = st.one_of(
    st.binary(max_size=300),
    yaml_like_text.map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.builds(lambda text, junk: text.encode() + junk, yaml_like_text, st.binary(max_size=8)),
    st.text(max_size=80).map(lambda text: text.encode("utf-16")),
    st.text(max_size=80).map(lambda text: text.encode("latin-1", "replace")),
)

# mutating valid documents

LEAF_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(10**100), 10**100),
    st.sampled_from([0, -1, 2**31, 2**63, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.text(alphabet="()[]{}*?\\/^~:\"' .-+|&!$0a", max_size=30),
    st.sampled_from(["", " ", "\x00", "xpath:", "css:", "now-9999999999d", "-1"]),
    st.integers(1000, 6000).map(lambda size: "x" * size),
)
DURATIONS = st.one_of(
    st.integers(),
    st.integers(-(10**20), 10**20),
    st.floats(),
    st.builds(
        lambda amount, unit, pad: f"{pad}{amount}{unit}{pad}",
        st.integers(0, 10**20),
        st.sampled_from("smhdwy "),
        st.sampled_from(["", " "]),
    ),
    st.text(alphabet="0123456789smhdw -.", max_size=12),
)
# regular expressions and selectors as people get them wrong
PATTERNS = st.one_of(
    st.text(alphabet="()[]{}*+?|\\^$.,:!<>=-a0 '\"@/", max_size=30),
    st.integers(1, 1500).map(lambda depth: "(" * depth + "a" + ")" * depth),
    st.integers(0, 10**12).map(lambda count: f"(a{{{count}}})"),
    st.text(max_size=20),
)
VALUES = st.recursive(
    LEAF_VALUES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
UNKNOWN_KEYS = st.one_of(
    st.text(min_size=1, max_size=12), st.sampled_from(["nmae", "titel", "Name", "__class__"])
)


def load_document(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict), path
    return document


def paths_in(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in the document (keys of mappings, indexes of lists)."""
    found: list[tuple[Any, ...]] = []
    children: list[tuple[Any, Any]] = []
    if isinstance(document, dict):
        children = list(document.items())
    elif isinstance(document, list):
        children = list(enumerate(document))
    for key, value in children:
        path = (*prefix, key)
        found.append(path)
        found.extend(paths_in(value, path))
    return found


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        document = document[part]
    return document


def nest(value: Any, depth: int) -> Any:
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


@st.composite
def mutated(draw: st.DrawFn, document: dict[str, Any]) -> dict[str, Any]:
    """The document after one to three mutations: drop a key, add an unknown key, give a
    value of another type, nest a value deeply."""
    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        paths = paths_in(document)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(document, path)
        operation = draw(st.sampled_from(["drop", "add", "replace", "replace", "nest"]))
        if operation == "drop":
            del parent[path[-1]]
        elif operation == "add":
            target = parent[path[-1]] if isinstance(parent[path[-1]], dict) else parent
            if isinstance(target, dict):
                target[draw(UNKNOWN_KEYS)] = draw(VALUES)
        elif operation == "replace":
            parent[path[-1]] = draw(VALUES)
        else:
            parent[path[-1]] = nest(parent[path[-1]], draw(st.integers(1, 60)))
    return document


def dump(document: Any) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


# Lucene queries

# every field a query can name, with the `entity.<label>` placeholder made real
FIELDS = [name for name in known_field_names() if "<" not in name]
FIELDS += ["entity.component", "entity.calibre"]
QUERY_TOKENS = [
    *(f"{name}:" for name in FIELDS),
    "nosuchfield:",
    "*:",
    '"',
    " AND ",
    " OR ",
    " NOT ",
    "AND",
    "OR",
    "NOT",
    " ",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "*",
    "?",
    "~",
    "~2",
    "^",
    "^2",
    "~.",
    "^1.2.3",
    ".5",
    "\\",
    " TO ",
    "/",
    "/re.*/",
    "-",
    "+",
    ":",
    "&&",
    "||",
    "!",
    ">",
    "<=",
    "glock",
    "19",
    "9mm",
    "1e999",
    "nan",
    "now",
    "now-7d/d",
    "9999",
    "2024-05-17",
    "||+1M",
]
query_text = st.one_of(
    st.lists(st.sampled_from(QUERY_TOKENS) | st.text(max_size=3), max_size=30).map("".join),
    st.text(max_size=60),
    st.integers(1, 3000).map(lambda depth: "(" * depth + "a" + ")" * depth),
    st.integers(1, 3000).map(lambda depth: "NOT " * depth + "a"),
    st.integers(1, 3000).map(lambda depth: "-" * depth + "a"),
    st.integers(1, 3000).map(lambda count: " OR ".join(["a"] * count)),
)

_FIELD_VALUES = st.one_of(
    st.text(alphabet="0123456789-+.eE:TZnowydhHmMsw/|*?", max_size=24),
    st.integers().map(str),
    st.floats().map(str),
    st.sampled_from(["true", "false", "TRUE", "yes", "DE", "ww", "*", "9999", "0001||-1d"]),
    st.text(max_size=12).map(lambda text: '"' + text.replace('"', "") + '"'),
)
_WORDS = st.one_of(
    st.sampled_from(["glock", "19", "auto", "sear*", "gl?ck", "*", "9mm", "ak-47", "ß", "щ"]),
    st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=8),
)


def _field(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from([*FIELDS, "nosuchfield", "Title", "price"]).map(lambda f: f + name)


_bound = _FIELD_VALUES | st.just("*")
_range = st.builds(
    lambda field, low, high, brackets: f"{field}{brackets[0]}{low} TO {high}{brackets[1]}",
    _field(":"),
    _bound,
    _bound,
    st.sampled_from(["[]", "{}", "[}", "{]"]),
)
_term = st.one_of(
    _WORDS,
    _WORDS.map(lambda word: f'"{word} {word}"'),
    st.builds(lambda field, value: field + value, _field(":"), _FIELD_VALUES | _WORDS),
    _range,
)
query_grammar = st.recursive(
    _term,
    lambda inner: st.one_of(
        st.builds(
            lambda a, op, b: f"{a} {op} {b}", inner, st.sampled_from(["AND", "OR", ""]), inner
        ),
        inner.map(lambda q: f"({q})"),
        inner.map(lambda q: f"NOT {q}"),
        inner.map(lambda q: f"-{q}"),
        st.builds(lambda field, q: f"{field}({q})", _field(":"), inner),
        st.builds(lambda q, suffix: q + suffix, inner, st.sampled_from(["^2", "~", "~1", "^"])),
    ),
    max_leaves=8,
)
queries = query_text | query_grammar
