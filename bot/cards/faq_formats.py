"""An existing FAQ read as entries (questions, an answer, where it came from), each with its line in the file.

Two shapes: a table (CSV or TSV, with a header naming its columns; QnA Maker's export is one) and a Markdown FAQ
(a heading a question, the text under it the answer). What cannot be read is a Problem on its line, never a crash:
the importer reports it and goes on with the rest.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from bot.cards.loader import Problem

TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".tab", ".txt"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
# The header names each column may go by, compared without case, spaces, '_' or '-'. QnA Maker exports
# Question, Answer, Source, Metadata, SuggestedQuestions, IsContextOnly, Prompts, QnaId; the last four are not used
# but QnaId, which ties a question to its answer when present.
COLUMNS = {
    "question": {"question", "questions", "q"},
    "answer": {"answer", "answers", "a", "response"},
    "alternates": {"alternates", "alternatequestions", "alternatives", "phrasings", "alsoasked"},
    "source": {"source", "url", "link"},
    "tags": {"tags", "tag", "metadata", "category", "categories"},
    "id": {"qnaid", "id"},
}
LIST_SEPARATOR = re.compile(r"\s*[|\n]\s*")  # alternates and tags: one a line, or split by '|'
TAG_SEPARATOR = re.compile(r"\s*[|,\n]\s*")
WEB_ADDRESS = re.compile(r"https?://\S+")


@dataclass
class Entry:
    """One question and answer of the FAQ; rows with the same answer (or QnA Maker id) become one entry."""

    line: int
    questions: list[str]
    answer: str
    url: str | None = None  # the source column, when it is a web address: the card cites it
    section: str | None = None  # where in the FAQ: its own name for the place, else the question as written
    tags: list[str] = field(default_factory=list)


@dataclass
class Parsed:
    entries: list[Entry]
    problems: list[Problem]
    title: str | None = None  # the FAQ's own title (a Markdown FAQ's top heading)


def parse(text: str, shown: str, suffix: str) -> Parsed:
    """The entries of a FAQ file, by its suffix; `shown` names the file in problems."""
    if suffix in MARKDOWN_SUFFIXES:
        return parse_markdown(text, shown)
    return parse_table(text, shown)


def _key(name: str) -> str:
    return re.sub(r"[\s_-]+", "", name.casefold())


def parse_table(text: str, shown: str) -> Parsed:
    """A CSV, or a TSV when its header has a tab. The header names the columns (question and answer at least)."""
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter="\t" if "\t" in first else ",")
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return Parsed([], [Problem(shown, 1, "no header row: the first line must name the columns")])
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        role = next((role for role, names in COLUMNS.items() if _key(name) in names), None)
        if role is not None and role not in columns:
            columns[role] = index
    missing = [role for role in ("question", "answer") if role not in columns]
    if missing:
        found = ", ".join(repr(name) for name in header) or "nothing"
        message = f"no {' or '.join(missing)} column: the header needs 'question' and 'answer' (it has {found})"
        return Parsed([], [Problem(shown, 1, message)])
    entries: dict[str, Entry] = {}  # by QnA Maker id, else by answer
    problems: list[Problem] = []
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(shown, line, f"cannot read this row: {exc}"))
            break
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(Problem(shown, line, f"{len(row)} fields where the header has {len(header)}: left out"))
            continue

        def cell(role: str, row: list[str] = row) -> str:
            return row[columns[role]].strip() if role in columns else ""

        question, answer = cell("question"), cell("answer")
        if not question or not answer:
            problems.append(Problem(shown, line, f"no {'question' if not question else 'answer'}: left out"))
            continue
        alternates = [part for part in LIST_SEPARATOR.split(cell("alternates")) if part]
        tags = [_tag(part) for part in TAG_SEPARATOR.split(cell("tags")) if _tag(part)]
        key = f"id:{cell('id')}" if cell("id") else f"answer:{answer}"
        entry = entries.get(key)
        if entry is None:
            source = cell("source")
            url = source if WEB_ADDRESS.fullmatch(source) else None
            section = source if source and url is None else question
            entries[key] = Entry(line, [question, *alternates], answer, url, section, tags)
        else:  # the same answer again: another phrasing of the same entry
            entry.questions += [question, *alternates]
            entry.tags += [tag for tag in tags if tag not in entry.tags]
    return Parsed(list(entries.values()), problems)


def _tag(text: str) -> str:
    """A tag from a tags cell or QnA Maker metadata (`key:value`: the value), lowercase."""
    return text.rpartition(":")[2].strip().casefold()


HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# A FAQ written without headings: a question on a bold line or after "Q:" ("**Q: When do we meet?**"), read as a
# heading below every real one; "A:" before its answer is dropped.
QUESTION_LINE = re.compile(r"^\s*(?:(\*\*|__)\s*(?:Q\s*[:.)]\s*)?(.+?\?)\s*\1|Q\s*[:.)]\s*(.+?\?))\s*$")
QUESTION_LINE_LEVEL = 7
ANSWER_PREFIX = re.compile(r"^\s*(?:\*\*|__)?A\s*[:.)]\s*(?:\*\*|__)?\s*")
FENCE = re.compile(r"^\s*(```|~~~)")


def parse_markdown(text: str, shown: str) -> Parsed:
    """Headings of one level are the questions (the level most headings ending in '?' have, else the deepest); a
    heading above them is a group, whose name tags the questions under it, and a lone top heading the FAQ's title.
    The text under a question, to the next heading of its level or above, is its answer."""
    lines = text.splitlines()
    headings: list[tuple[int, int, str]] = []  # (line index, level, text)
    fenced = False
    for index, line in enumerate(lines):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and (match := HEADING.match(line)):
            headings.append((index, len(match[1]), match[2]))
        elif not fenced and (match := QUESTION_LINE.match(line)):
            headings.append((index, QUESTION_LINE_LEVEL, match[2] or match[3]))
    if not headings:
        message = "no questions: write each as a Markdown heading ('## …?') or a bold line ('**Q: …?**')"
        return Parsed([], [Problem(shown, 1, message)])
    asked = [level for _, level, heading in headings if heading.endswith("?")]
    level = max(set(asked), key=asked.count) if asked else max(level for _, level, _ in headings)
    tops = [heading for heading in headings if heading[1] < level]
    title = tops[0][2] if tops and tops[0][1] == 1 and sum(h[1] == 1 for h in tops) == 1 else None
    entries: list[Entry] = []
    problems: list[Problem] = []
    group: str | None = None
    bounds = [index for index, depth, _ in headings if depth <= level] + [len(lines)]
    for number, (index, depth, heading) in enumerate(h for h in headings if h[1] <= level):
        body = ANSWER_PREFIX.sub("", "\n".join(lines[index + 1 : bounds[number + 1]]).strip(), count=1)
        if depth < level:
            group = None if depth == 1 and heading == title else heading
            if body:
                first = next(i for i in range(index + 1, bounds[number + 1]) if lines[i].strip())
                problems.append(Problem(shown, first + 1, "text under no question heading: left out", True))
            continue
        if not body:
            problems.append(Problem(shown, index + 1, f"no answer under {heading!r}: left out"))
            continue
        tags = [_tag(group)] if group else []
        entries.append(Entry(index + 1, [heading], body, None, heading, tags))
    if headings[0][0] > 0 and "\n".join(lines[: headings[0][0]]).strip():
        problems.append(Problem(shown, 1, "text before the first heading: left out", True))
    return Parsed(entries, sorted(problems), title)
