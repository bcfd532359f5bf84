"""Load `knowledge/` into a KnowledgeBase, reporting every problem at once with its file and line.

One function validates everything: `bot check`, the reload command and the test over the shipped cards all use it.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache, cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.cards import plain, simple_yaml
from bot.cards.links import unlinkable
from bot.cards.model import ANSWER_AIM_CHARS, ANSWER_MAX_CHARS, Card, CardFront, CardSource, KnowledgeBase, Source
from bot.cards.stamps import ParseMemo
from bot.forked import Pending, beside
from bot.garbage import collected_after
from bot.visible import visible

if TYPE_CHECKING:
    import yaml

M = TypeVar("M", bound=BaseModel)

MIN_QUESTION_WORDS = 2
MIN_QUESTION_CHARS = 6
FILE_MAX_BYTES = 1 << 20  # a card or sources.yaml larger than 1 MiB is not read: an answer has 4,096 characters at most
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?P<front>.*?)^---[ \t]*\r?\n?(?P<body>.*)\Z", re.DOTALL | re.MULTILINE)


@cache
def yaml_loader() -> Any:
    """The safe loader, libyaml's when the wheel has it (ten times faster). PyYAML is imported only when a text
    needs it: a start that reads the loaded cards back from their snapshot parses none (25 ms of imports)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        where = f"{self.path}:{self.line}" if self.line else self.path  # line 0: the problem is the path itself
        return f"{where}: {kind}{self.message}"


class KnowledgeError(Exception):
    """The knowledge folder has errors; `problems` lists each with its file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class UnreadableError(Exception):
    """A file of the knowledge folder that is not read; the message says why, `line` where (0: the whole file)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


def decode(data: bytes) -> str:
    """UTF-8 text without an editor's byte-order mark (no part of the front matter); a byte that is not UTF-8 is
    reported on its line, as an editor would show it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start : exc.start + 1].hex()
        raise UnreadableError(f"not UTF-8 text: byte 0x{byte} on this line; save the file as UTF-8", line) from exc


def read_text(path: Path, root: Path, target: str | None = None) -> str:
    """The text of a regular file inside the knowledge folder (`root`, resolved), of FILE_MAX_BYTES at most, without
    a byte-order mark. `target` is the file's resolved path when the caller knows it already (a string: a load
    makes no path object it does not keep).

    Anything else is refused before it is read: a FIFO would block the reader (and the watcher) for good, a symbolic
    link to /dev/zero never ends, one out of the folder reads what is not a card. A link that stays inside the
    folder is followed (a Kubernetes ConfigMap mounts every file as one).
    """
    try:
        if target is None:
            target = str(path.resolve())
        if not _inside(target, str(root)):
            raise UnreadableError("a symbolic link out of the knowledge folder: not followed")
        handle = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            status = os.fstat(handle)
            if not stat.S_ISREG(status.st_mode):
                raise UnreadableError("not a regular file: not read")
            data = _read_capped(handle, status.st_size)
        finally:
            os.close(handle)
        if len(data) > FILE_MAX_BYTES:
            raise UnreadableError(f"larger than {FILE_MAX_BYTES:,} bytes: not read")
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of symbolic links
        raise UnreadableError(f"cannot read: {exc}") from exc
    return decode(data)


def _inside(target: str, folder: str) -> bool:
    """Whether a resolved path is `folder` (resolved) or inside it, as `Path.is_relative_to` says of two such paths."""
    return target == folder or target.startswith(os.path.join(folder, ""))


def _read_capped(handle: int, size: int) -> bytes:
    """At most FILE_MAX_BYTES + 1 bytes of a file that had `size` bytes when stat'ed, asked for as that many and
    one more (a file that grew is read on to the cap): a read asked for the whole cap at once makes a buffer of
    that size for every small card."""
    chunks = []
    read, wanted = 0, min(size, FILE_MAX_BYTES) + 1
    while read <= FILE_MAX_BYTES and (chunk := os.read(handle, wanted)):
        chunks.append(chunk)
        read += len(chunk)
        wanted = min(1 << 16, FILE_MAX_BYTES + 1 - read)
    return b"".join(chunks)


def card_entries(root: Path) -> Iterator[os.DirEntry[str]]:
    """The card files under `root/cards` as the directory listing gives them (the watcher stats each without making
    a path of it, the loader resolves only links): every `.md` file but hidden ones (an editor's `.#x.md` lock or
    `.x.md.swp`; `x.md~` is no `.md`), in folders that are not hidden. A linked folder is not entered; one that
    cannot be listed is passed."""
    return _entries_under(str(root / "cards"))


def _entries_under(folder: str) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            is_folder, linked = entry.is_dir(), entry.is_symlink()
        except OSError:
            is_folder, linked = False, False
        if is_folder:
            if not linked:
                yield from _entries_under(entry.path)
        elif entry.name.endswith(".md"):
            yield entry


WORD = re.compile(r"\w+")


def question_key(text: str) -> str:
    """Case- and punctuation-blind form, to find the same question written on two cards."""
    return " ".join(WORD.findall(text.casefold()))


def _listed(sources: Mapping[str, object], most: int = 10) -> str:
    """The ids a card may cite, a few of them where sources.yaml lists many."""
    ids = sorted(sources)
    if not ids:
        return "sources.yaml lists no document"
    more = f" and {len(ids) - most} more" if len(ids) > most else ""
    return "sources.yaml lists: " + ", ".join(ids[:most]) + more


def too_short(key: str) -> bool:
    """Whether a question (its `question_key`) is too short to match safely."""
    return len(key.split()) < MIN_QUESTION_WORDS or len(key) < MIN_QUESTION_CHARS


def _line_of(node: yaml.Node | None, loc: Iterable[Any], offset: int) -> int:
    """The 1-based file line of the YAML node at `loc` (as pydantic reports it), or of its nearest parent."""
    import yaml

    line = (node.start_mark.line if node is not None else 0) + offset
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((pair for pair in node.value if pair[0].value == key), None)
            if match is None:
                break
            line = match[0].start_mark.line + offset
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + offset
        else:
            break
    return line


TOP_LEVEL_KEY = re.compile(r"[\w-]+\s*:")


class Lines:
    """The file lines of a YAML text that loaded. Its node tree is composed only when a problem asks for a line: a
    load parses each text once and keeps no tree (10,000 cards: a second parse was a sixth of the load, and the
    trees about half of its memory: 108 MB at its peak then, 70 MB now)."""

    def __init__(self, text: str, offset: int) -> None:
        self.text = text
        self.offset = offset  # the file line of the text's first line, less one

    @cached_property
    def node(self) -> yaml.Node | None:
        import yaml

        return yaml.compose(self.text, Loader=yaml_loader())

    def of(self, loc: Iterable[Any]) -> int:
        """The line of the value at `loc` (as pydantic reports it), or of its nearest parent."""
        return _line_of(self.node, loc, self.offset)


def _parse_yaml(text: str, path: str, offset: int) -> tuple[Any, Lines | None, list[Problem]]:
    simple = simple_yaml.load(text)  # most front matters, read faster than YAML reads them, to the same result
    if simple is not None:
        return simple, Lines(text, offset), []
    import yaml

    try:
        return yaml.load(text, Loader=yaml_loader()), Lines(text, offset), []  # a safe loader, C or Python
    except yaml.YAMLError as exc:
        reason = getattr(exc, "problem", None) or str(exc)
        opened, found = getattr(exc, "context_mark", None), getattr(exc, "problem_mark", None)
        mark = found or opened
        # An unclosed [ or { is noticed only at the next key, a line or more later: point at the line that opened it.
        lines = text.splitlines()
        if (
            (getattr(exc, "context", None) or "").startswith("while parsing a flow")
            and opened is not None
            and found is not None
            and opened.line < found.line < len(lines)
            and TOP_LEVEL_KEY.match(lines[found.line])
        ):
            mark, reason = opened, f"{reason} (a [ or {{ on this line is not closed)"
        return None, None, [Problem(path, (mark.line if mark else 0) + offset, f"bad YAML: {reason}")]


def _validate(
    model: type[M], data: Any, line_of: Callable[[Iterable[Any]], int], path: str
) -> tuple[M | None, list[Problem]]:
    """The model and every problem pydantic found, each in plain words on its line.

    With problems, the model is still made when leaving out the fields in error allows it (an unknown field, a bad
    tag): the checks that need a whole model (an unknown source, a duplicate question) then run too, and one problem
    does not hide the others. A file with an error is left out all the same.
    """
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        errors = exc.errors()
    problems = [Problem(path, line_of(error["loc"]), plain.message(model, error)) for error in errors]
    if not isinstance(data, dict):
        return None, problems
    in_error = {error["loc"][0] for error in errors if error["loc"]}
    try:
        return model.model_validate({key: value for key, value in data.items() if key not in in_error}), problems
    except ValidationError:  # a required field is missing or wrong: no model to check further
        return None, problems


def load_yaml(path: Path, model: type[M]) -> tuple[M | None, list[Problem]]:
    """A YAML file (such as an eval set) read as `model`, or its problems with their lines."""
    shown = shown_path(path)
    try:
        text = decode(path.read_bytes())
    except OSError as exc:
        return None, [Problem(shown, 0, f"cannot read: {exc}")]
    except UnreadableError as exc:
        return None, [Problem(shown, exc.line, str(exc))]
    data, lines, problems = _parse_yaml(text, shown, 1)
    if lines is None:
        return None, problems
    return _validate(model, data, lines.of, shown)


def load_sources(
    path: Path, root: Path, pending: str | None = None
) -> tuple[dict[str, Source], dict[str, int], list[Problem]]:
    """The sources of `sources.yaml` in `root` (resolved), the line of each id, and the file's problems; `pending`:
    the text the file is about to be given, checked in its place."""
    shown = shown_path(path)
    if pending is None and not path.exists() and not path.is_symlink():
        return {}, {}, [Problem(shown, 1, "missing: list the source documents here")]
    try:
        text = visible(pending if pending is not None else read_text(path, root))
    except UnreadableError as exc:
        return {}, {}, [Problem(shown, exc.line, str(exc))]
    data, parsed, problems = _parse_yaml(text, shown, 1)
    if parsed is None:
        return {}, {}, problems
    if not isinstance(data, list):
        return {}, {}, [Problem(shown, 1, "expected a list of sources")]
    import yaml  # parsed.node composed it: imported already

    node = parsed.node
    sources: dict[str, Source] = {}
    lines: dict[str, int] = {}
    for index, item in enumerate(data):
        item_node = node.value[index] if isinstance(node, yaml.SequenceNode) else None
        result, item_problems = _validate(Source, item, partial(_line_of, item_node, offset=1), shown)
        problems += item_problems
        if result is None or item_problems:
            continue
        if result.id in sources:
            problems.append(Problem(shown, _line_of(item_node, ["id"], 1), f"duplicate source id {result.id!r}"))
        else:
            sources[result.id] = result
            lines[result.id] = _line_of(item_node, ["id"], 1)
    return sources, lines, problems


def shown_path(path: Path) -> str:
    """A path as problems name it: one the user can open from where the command runs (relative when inside it).

    With strings, not `Path.relative_to`: a load names every file, and the path objects took a twentieth of it."""
    try:
        folder = os.getcwd()
    except OSError:  # the working folder was deleted
        return str(path)
    written = str(path)
    absolute = os.path.join(folder, written)  # `written` itself when it is absolute
    inside = os.path.join(folder, "")
    if absolute == folder:
        return "."
    return absolute[len(inside) :] if absolute.startswith(inside) else written


@dataclass(frozen=True)
class _Parsed:
    card: Card
    shown: str
    lines: Lines
    keys: list[str]  # `question_key` of each question, worked out once
    places: list[int]  # where each question stands in the file's `questions` list


def _body_problems(text: str, match: re.Match[str], shown: str) -> list[Problem]:
    """What is wrong with the answer after the front matter: empty, too long, or a link that must not stay one."""
    body_line = text[: match.start("body")].count("\n") + 1
    answer = match["body"].strip()
    problems = []
    if not answer:
        # On the closing '---' when nothing follows it: a line the file has.
        line = body_line if match["body"].count("\n") else body_line - (not text.endswith("\n"))
        problems.append(
            Problem(shown, min(line, text.count("\n") or 1), "empty answer: write it after the front matter")
        )
    elif len(answer) > ANSWER_MAX_CHARS:
        problems.append(Problem(shown, body_line, f"answer has {len(answer)} characters, over {ANSWER_MAX_CHARS}"))
    elif len(answer) > ANSWER_AIM_CHARS:
        problems.append(
            Problem(shown, body_line, f"answer has {len(answer)} characters; aim for {ANSWER_AIM_CHARS}", True)
        )
    for number, link in unlinkable(match["body"]):
        problems.append(
            Problem(
                shown,
                body_line + number,
                f"link to {link!r}: only http, https and mailto links are kept (others show as plain text; "
                "on Slack '!channel' or '@U…' would ping)",
            )
        )
    return problems


def _parse_card(
    path: Path, root: Path, target: str | None, pending: str | None, citations: dict[CardSource, CardSource]
) -> tuple[_Parsed | None, list[Problem]]:
    """A card file's card and problems; `citations` gives the object already made for a citation another card of the
    load has (10,000 cards citing one document held 10,000 copies of it, each made again when the snapshot is read)."""
    shown = shown_path(path)
    try:
        text = visible(pending if pending is not None else read_text(path, root, target))
    except UnreadableError as exc:
        return None, [Problem(shown, exc.line, str(exc))]
    match = FRONT_MATTER.match(text)
    if not match:
        return None, [Problem(shown, 1, "no front matter: start the file with '---', the YAML, then '---'")]
    data, lines, problems = _parse_yaml(match["front"], shown, 2)
    if lines is None:
        return None, problems
    if not isinstance(data, dict):
        return None, [Problem(shown, 2, "front matter must be a YAML mapping")]
    front, problems = _validate(CardFront, data, lines.of, shown)
    problems += _body_problems(text, match, shown)  # a front matter problem hides none of the answer's
    if front is None:
        return None, problems
    answer = match["body"].strip()
    keys = [question_key(question) for question in front.questions]
    short = [too_short(key) for key in keys]
    # A single term matches as a keyword: taken as one rather than leaving the whole card out, unless the card has
    # no longer question to match on safely.
    usable = not all(short)
    places = [index for index, is_short in enumerate(short) if not is_short] if usable else list(range(len(keys)))
    keywords = list(front.keywords)
    for index, question in enumerate(front.questions):
        if not short[index]:
            continue
        advice = "taken as a keyword" if usable else f"use {MIN_QUESTION_WORDS}+ words, or put single terms in keywords"
        problems.append(
            Problem(
                shown,
                lines.of(["questions", index]),
                f"question {question!r} is too short to match safely: {advice}",
                warning=usable,
            )
        )
        if usable and question not in keywords:
            keywords.append(question)
    card = Card(
        id=front.id or path.stem,
        questions=tuple(front.questions[index] for index in places),
        answer=answer,
        source=citations.setdefault(front.source, front.source),
        tags=tuple(front.tags),
        related=tuple(front.related),
        keywords=tuple(keywords),
        synonyms={key.casefold(): value for key, value in front.synonyms.items()},
        path=path,
        covers=tuple(front.covers),
    )
    return _Parsed(card, shown, lines, [keys[index] for index in places], places), problems


def _parse_file(
    path: str,
    root: Path,
    resolve: Callable[[os.DirEntry[str]], str | None] | None,
    entry: os.DirEntry[str] | None,
    pending: str | None,
    citations: dict[CardSource, CardSource],
) -> tuple[_Parsed | None, list[Problem]]:
    """`_parse_card` of a file listed as `entry` (None: a pending one), its path object and resolved path made only
    for a file parsed: for each of 10,000 unchanged files they were a third of a one-card reload's load."""
    target = resolve(entry) if resolve and entry else None
    return _parse_card(Path(path), root, target, pending, citations)


CardMemo = ParseMemo[tuple[_Parsed | None, list[Problem]]]  # a card file's parse, reused while it is unchanged
# A first load of this many files or more parses its second half in a forked child (`bot/forked.py`): fewer parse in
# less time than a child's result takes to come back.
BESIDE_MIN_FILES = 2_000
# The child's share of those files: it also pickles what it parsed, and the process unpickles it, each about a tenth
# and a fifth of parsing them (5,000 files: 0.48-0.63 s to parse, 0.05-0.08 s to pickle, 0.11 s to unpickle).
BESIDE_SHARE = 0.45


def _parse_listed(
    root: Path,
    resolve: Callable[[os.DirEntry[str]], str | None] | None,
    citations: dict[CardSource, CardSource],
    listed: list[tuple[str, os.DirEntry[str]]],
) -> list[tuple[_Parsed | None, list[Problem]]]:
    return [_parse_file(path, root, resolve, entry, None, citations) for path, entry in listed]


@dataclass
class _Beside:
    """Card files parsed in a child while the load parses the others; their parses taken once each, in order."""

    paths: frozenset[str]
    pending: Pending[list[tuple[_Parsed | None, list[Problem]]]]
    order: list[str]
    got: dict[str, tuple[_Parsed | None, list[Problem]]] | None = None

    def take(self, path: str) -> tuple[_Parsed | None, list[Problem]]:
        if self.got is None:
            self.got = dict(zip(self.order, self.pending.result(), strict=True))
        return self.got.pop(path)


def _parsed_beside(
    ordered: list[tuple[str, os.DirEntry[str] | None]],
    texts: Mapping[str, str | None],
    memo: CardMemo | None,
    parse: Callable[[list[tuple[str, os.DirEntry[str]]]], list[tuple[_Parsed | None, list[Problem]]]],
) -> _Beside | None:
    """A first load of many files (a later one reuses what it parsed before) starts parsing the last of them beside
    the others: 10,000 card files took a second on one core."""
    if len(ordered) < BESIDE_MIN_FILES or (memo is not None and not memo.empty):
        return None
    first = len(ordered) - int(len(ordered) * BESIDE_SHARE)
    listed = [(path, entry) for path, entry in ordered[first:] if entry is not None and path not in texts]
    order = [path for path, _ in listed]
    return _Beside(frozenset(order), beside(parse, listed), order)


def load_knowledge(
    root: Path, pending: Mapping[Path, str | None] | None = None, memo: CardMemo | None = None
) -> tuple[KnowledgeBase, list[Problem]]:
    """Every card that loads without an error, and every problem found; callers decide whether problems are fatal.

    `pending` holds files about to be written (card files under `root / "cards"`, or `root / "sources.yaml"`) by
    path, with their text, or card files about to be deleted (None): they are checked as if that were done on disk,
    so that a writer keeps only what passes. `memo`, kept from one load to the next, gives back what a card file
    unchanged since parsed to.

    The garbage collector stays out of the load: it makes hundreds of thousands of objects and no cycle to speak of,
    and each automatic pass looked at all of them again (10,000 cards: a fifth of the load).
    """
    with collected_after(left_to_caller=True):
        if memo is None:
            return _load_knowledge(root, pending or {}, None)
        memo.start()
        try:
            return _load_knowledge(root, pending or {}, memo)
        finally:
            memo.finish()


def _load_knowledge(
    root: Path, pending: Mapping[Path, str | None], memo: CardMemo | None
) -> tuple[KnowledgeBase, list[Problem]]:
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "does not exist"
        return KnowledgeBase(sources={}, cards={}), [
            Problem(str(root), 0, f"the knowledge folder {what} (KNOWLEDGE_DIR)")
        ]
    if root.name == "cards" and not (root / "cards").exists() and not (root / "sources.yaml").exists():
        message = "KNOWLEDGE_DIR points at a cards/ folder: point it at the folder that holds cards/ and sources.yaml"
        return KnowledgeBase(sources={}, cards={}), [Problem(str(root), 0, message)]
    resolved = root.resolve()
    sources, _, problems = load_sources(root / "sources.yaml", resolved, pending.get(root / "sources.yaml"))
    # By path as a string: a path object made for each file was a fifth of a reload that parses one of 10,000
    entries: dict[str, os.DirEntry[str] | None] = {entry.path: entry for entry in card_entries(root)}
    texts = {str(path): text for path, text in pending.items() if path.suffix == ".md"}
    for path, text in texts.items():
        if text is None:
            entries.pop(path, None)
        else:
            entries[path] = None
    if not entries:
        problems.append(Problem(shown_path(root / "cards"), 1, "no cards: add Markdown files under cards/"))
    resolve = _resolver(root / "cards") if entries else None
    parsed: list[_Parsed] = []
    citations: dict[CardSource, CardSource] = {}
    ordered = sorted(entries.items(), key=_path_order)
    beside = _parsed_beside(ordered, texts, memo, partial(_parse_listed, resolved, resolve, citations))
    try:
        for path, entry in ordered:
            parse = partial(_parse_file, path, resolved, resolve, entry, texts.get(path), citations)
            if beside is not None and path in beside.paths:
                parse = partial(beside.take, path)
            if memo is not None and entry is not None and path not in texts:
                result, card_problems = memo.parse(path, entry, parse)
            else:
                result, card_problems = parse()
            problems += card_problems
            if result:
                parsed.append(result)
    finally:
        if beside is not None:
            beside.pending.close()  # a load that failed leaves no child

    cards: dict[str, Card] = {}
    shown_of: dict[str, str] = {}  # the file of each card, as problems name it
    owners: dict[str, tuple[str, str]] = {}  # a question's key: the card and file that have it first
    for item in parsed:
        card, shown = item.card, item.shown
        if card.id in cards:
            problems.append(Problem(shown, 2, f"duplicate card id {card.id!r} (also {shown_of[card.id]})"))
        else:
            cards[card.id] = card
            shown_of[card.id] = shown
        for place, question, key in zip(item.places, card.questions, item.keys, strict=True):
            owner, owner_file = owners.setdefault(key, (card.id, shown))  # a duplicate id hides no duplicate question
            if owner_file != shown:
                line = item.lines.of(["questions", place])
                problems.append(Problem(shown, line, f"question {question!r} is also on card {owner!r}"))
    for item in parsed:
        card, shown = item.card, item.shown
        if card.source.document is not None and card.source.document not in sources:
            line = item.lines.of(["source", "document"])
            message = f"unknown source document {card.source.document!r} ({_listed(sources)})"
            problems.append(Problem(shown, line, message))
        for index, other in enumerate(card.related):
            if other not in cards or other == card.id:
                line = item.lines.of(["related", index])
                reason = "a card cannot be related to itself" if other == card.id else "no card has this id"
                problems.append(Problem(shown, line, f"related {other!r}: {reason}"))
        problems += _cover_problems(item, cards)
    # Every card whose file has no error, with its links to cards left out dropped: one broken card costs itself.
    broken = {problem.path for problem in problems if not problem.warning}
    valid = {card_id: card for card_id, card in cards.items() if shown_of[card_id] not in broken}
    linked = {card_id: _linked_within(card, valid) for card_id, card in valid.items()}
    return KnowledgeBase(sources=sources, cards=linked), sorted(problems)


def _path_order(item: tuple[str, object]) -> str:
    """The order of paths under one folder, as `Path` compares them (part by part), with no call a comparison: each
    separator made a character below any a name can hold. A list of parts each was the key before; sorting 10,000
    such lists held the GIL 15 ms, these strings 2 ms."""
    return item[0].replace(os.sep, "\0")


def _resolver(cards: Path) -> Callable[[os.DirEntry[str]], str | None] | None:
    """The resolved path of a card file that is no link, from the cards folder's, resolved once: the walk enters no
    linked folder, so only the folder itself can be one (10,000 files: a fifth of the load went to resolving each).
    A link gets None, to be resolved on its own."""
    try:
        resolved = str(cards.resolve())
    except (OSError, RuntimeError):  # a loop of symbolic links: each file is refused on its own
        return None
    start = len(str(cards)) + 1

    def resolve(entry: os.DirEntry[str]) -> str | None:
        try:
            return None if entry.is_symlink() else os.path.join(resolved, entry.path[start:])
        except OSError:
            return None

    return resolve


def _cover_problems(item: _Parsed, cards: Mapping[str, Card]) -> list[Problem]:
    """An overview sums up two or more other cards, each one that exists: else it is an ordinary card misnamed."""
    card, problems = item.card, []
    for index, other in enumerate(card.covers):
        if other not in cards or other == card.id:
            reason = "a card cannot cover itself" if other == card.id else "no card has this id"
            problems.append(Problem(item.shown, item.lines.of(["covers", index]), f"covers {other!r}: {reason}"))
    if len(set(card.covers)) == 1:
        line = item.lines.of(["covers"])
        message = "covers names one card: an overview covers two or more cards, each answering a part of it"
        problems.append(Problem(item.shown, line, message))
    return problems


def _linked_within(card: Card, cards: Mapping[str, Card]) -> Card:
    """The card with only its related links and covered cards among `cards`."""
    if not card.related and not card.covers:
        return card
    related = tuple(other for other in card.related if other in cards)
    covers = tuple(other for other in card.covers if other in cards)
    return card if (related, covers) == (card.related, card.covers) else replace(card, related=related, covers=covers)


def load_knowledge_strict(root: Path) -> KnowledgeBase:
    """The knowledge base, or KnowledgeError when any error (not warning) was found."""
    knowledge, problems = load_knowledge(root)
    errors = [problem for problem in problems if not problem.warning]
    if errors:
        raise KnowledgeError(errors)
    return knowledge
