"""`python -m bot` / `faqbot`: the command line."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from bot.cards import KnowledgeError, load_knowledge
from bot.cards.loader import shown_path
from bot.exits import EXIT_FAIL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from bot.log import setup_logging
from bot.old_setting_names import warn_of_old_names
from bot.settings import REPORT_DAYS, SLACK_TEAM_ID, Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.answering import Answerer
    from bot.holder import EngineHolder
    from bot.learn.learned import Learned

# The engine (numpy, rapidfuzz, the index) is imported by the commands that answer, not by `check`, `health` or
# `--help`: the container's health check runs every 30 seconds.


def _holder(settings: Settings, learned: Learned | None = None) -> EngineHolder:
    from bot.holder import EngineHolder

    return EngineHolder.for_settings(settings, learned)


def _taught(settings: Settings) -> EngineHolder:
    """The holder with what members taught the running bot, when there is a store: its live phrasings and
    voted-down questions. A store that cannot be read costs one line, and the cards alone answer."""
    if not _store_exists(settings, quiet=True):
        return _holder(settings)
    from bot.learn.stored import stored_learning
    from bot.store import StoreUnavailableError

    try:
        learned = stored_learning(settings)
    except StoreUnavailableError as exc:
        print(
            f"cannot read the learned phrasings from the store ({exc}): answering from the cards alone", file=sys.stderr
        )
        learned = None
    return _holder(settings, learned)


def _console(settings: Settings) -> Answerer:
    from bot.answering import Answerer

    return Answerer.for_console(_taught(settings), settings)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot import console, replies
    from bot.guard import Refusal

    answerer = _console(settings)
    if args.question == ["-"]:
        questions: Sequence[str] = [line.rstrip("\r\n") for line in sys.stdin]
    else:
        questions = [" ".join(args.question)]
    for question in questions:
        if args.json:
            reply = answerer.reply(question)
            as_json = (
                replies.refusal_as_json(question, reply.reason)
                if isinstance(reply, Refusal)
                else replies.as_json(reply)
            )
            print(json.dumps(as_json, ensure_ascii=False), flush=True)
        else:
            end = "\n\n" if len(questions) > 1 else "\n"  # answers read from stdin, a blank line between
            print(console.respond(answerer, question), end=end, flush=True)
    return EXIT_OK


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot import console

    return console.chat(_console(settings))


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    knowledge, problems = load_knowledge(settings.knowledge_dir)
    for problem in problems:
        print(problem)
    errors = sum(not problem.warning for problem in problems)
    warnings = len(problems) - errors
    summary = (
        f"{len(knowledge.cards)} cards, {len(knowledge.sources)} sources: {errors} error(s), {warnings} warning(s)"
    )
    print(summary, file=sys.stderr if errors else sys.stdout)
    if errors:
        return EXIT_FAIL
    if knowledge.cards:
        print(_holder(settings).engine.decision())
    return EXIT_OK


def cmd_explain(args: argparse.Namespace, settings: Settings) -> int:
    from bot.engine.explain import explain, format_explanation

    print(format_explanation(explain(_taught(settings).engine, " ".join(args.question))))
    return EXIT_OK


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.evaluation import EvalSet, format_report, run_eval, unknown_cards

    path: Path = args.file or settings.knowledge_dir / "eval.yaml"
    if not path.is_file():
        print(f"no eval set at {path}", file=sys.stderr)
        return EXIT_FAIL
    eval_set, problems = EvalSet.load(path)
    for problem in problems:
        print(problem, file=sys.stderr)
    if eval_set is None:
        return EXIT_FAIL
    engine = _holder(settings).engine
    if missing := unknown_cards(eval_set, engine):
        print(f"{path}: expected cards that do not exist: {', '.join(missing)}", file=sys.stderr)
        return EXIT_FAIL
    if args.learn:
        import asyncio

        from bot.learn.replay import format_replay, replay

        print(engine.decision())
        result = asyncio.run(replay(settings, path, eval_set))
        print(format_replay(result))
        return EXIT_OK if result.passed else EXIT_FAIL
    report = run_eval(eval_set, engine)
    print(engine.decision())
    print(format_report(report))
    if not args.noise:
        return EXIT_OK if report.passed else EXIT_FAIL
    from bot.noise import format_noise, stress

    noise = stress(engine, [case.question for case in eval_set.in_scope], eval_set.out_of_scope)
    print(format_noise(noise))
    return EXIT_OK if report.passed and noise.passed else EXIT_FAIL


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cards.importer import ImportRefusedError, import_faq

    root: Path = args.into or settings.knowledge_dir
    try:
        result = import_faq(args.file, root, dry_run=args.dry_run)
    except ImportRefusedError as exc:
        print(exc, file=sys.stderr)
        return EXIT_FAIL
    for problem in result.problems:
        print(problem, file=sys.stderr)
    verb = "would write" if args.dry_run else "wrote"
    for path, draft in result.cards.items():
        print(f"{verb} {shown_path(path)}: {draft.title}")
    if not result.cards:
        print(f"nothing imported from {shown_path(args.file)}", file=sys.stderr)
        return EXIT_FAIL
    left_out = f"; {result.left_out} left out (above)" if result.left_out else ""
    print(
        f"{len(result.cards)} card(s) {'to import' if args.dry_run else 'imported'} from {shown_path(args.file)}, "
        f"citing source {result.source_id!r} in {shown_path(result.sources_path)}{left_out}"
    )
    return EXIT_FAIL if result.left_out else EXIT_OK


def _platforms(choice: str | None, settings: Settings) -> list[str]:
    """The platforms asked for, or by default every one whose token is set."""
    if choice == "all":
        return ["discord", "slack"]
    if choice:
        return [choice]
    tokens = {"discord": settings.discord_token, "slack": settings.slack_bot_token}
    return [name for name, token in tokens.items() if token is not None]


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    platforms = _platforms(args.platform, settings)
    if not platforms:
        if args.or_chat:
            print("No DISCORD_TOKEN or SLACK_BOT_TOKEN is set: starting the console chat instead.", file=sys.stderr)
            return cmd_chat(args, settings)
        print(
            "DISCORD_TOKEN is not set: put the bot token in the environment or .env (or SLACK_BOT_TOKEN)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if "discord" in platforms and settings.discord_token is None:
        print("DISCORD_TOKEN is not set: put the bot token in the environment or .env", file=sys.stderr)
        return EXIT_USAGE
    if "slack" in platforms:
        from bot.slack.service import missing_setting

        if problem := missing_setting(settings):
            print(problem, file=sys.stderr)
            return EXIT_USAGE
    from bot.watch import watching

    holder = _holder(settings)
    with watching(settings, holder):
        import asyncio

        from bot.runner import run_platforms

        return asyncio.run(run_platforms(settings, holder, platforms))


def cmd_health(args: argparse.Namespace, settings: Settings) -> int:
    from bot.probe import probe

    if settings.http_port is None:
        print("HTTP_PORT is not set, so the bot serves no health endpoint", file=sys.stderr)
        return EXIT_USAGE
    healthy, detail = probe(settings.http_host, settings.http_port)
    print(detail)
    return EXIT_OK if healthy else EXIT_FAIL


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from bot import reports
    from bot.store import Scope, open_store

    if args.format == "eval" and args.kind != "unanswered":
        print("--format eval exports declined questions: use it with `report unanswered`", file=sys.stderr)
        return EXIT_USAGE
    holder = _holder(settings)
    scope = Scope("discord", args.guild) if args.guild else Scope("slack", args.workspace) if args.workspace else None

    async def load() -> reports.Report:
        store = await open_store(settings, reading=True)
        try:
            return await reports.build(args.kind, store, holder, scope, args.days)
        finally:
            await store.close()

    if not _store_exists(settings):
        report = reports.empty(args.kind, args.days, scope)
    else:
        try:
            report = asyncio.run(load())
        except (OSError, RuntimeError) as exc:
            print(f"cannot read the store (DATABASE_URL / DATA_DIR): {exc}", file=sys.stderr)
            return EXIT_FAIL
    if args.json or args.format == "json":
        print(json.dumps(reports.as_json(report), ensure_ascii=False, indent=2))
    elif args.format == "eval":
        print(reports.format_eval(report), end="")
    else:
        print(reports.format_text(report))
    return EXIT_OK


def cmd_learn(args: argparse.Namespace, settings: Settings) -> int:
    from bot.learn.commands import run

    if not _store_exists(settings):
        return EXIT_OK if args.action == "list" else EXIT_FAIL
    try:
        return run(args, settings)
    except (OSError, RuntimeError) as exc:
        print(f"cannot read the store (DATABASE_URL / DATA_DIR): {exc}", file=sys.stderr)
        return EXIT_FAIL


def _store_exists(settings: Settings, quiet: bool = False) -> bool:
    """Whether there is a store to read. A SQLite file that does not exist yet holds nothing: the report is empty
    without opening it, so that it writes nothing (no file, no salt) and migrates no schema. Said on stderr unless
    `quiet`."""
    from bot.store.database import is_postgres, sqlite_path

    url = settings.database_url.get_secret_value() if settings.database_url else None
    if url is not None and is_postgres(url):
        return True
    path = sqlite_path(url, settings.data_dir)
    if path.exists() or quiet:
        return path.exists()
    print(
        f"no store at {path} yet: nothing recorded (the bot records questions asked on Discord and Slack)",
        file=sys.stderr,
    )
    return False


def _days(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, 1 or more, got {text!r}")
    return int(text)


def _guild(text: str) -> str:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a Discord server id (digits), got {text!r}")
    return text


def _workspace(text: str) -> str:
    if not re.fullmatch(SLACK_TEAM_ID, text):
        raise argparse.ArgumentTypeError(f"expected a Slack workspace id such as T0123ABCD, got {text!r}")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="faqbot", description="Answers community questions from curated Markdown cards."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = sub.add_parser("ask", help="answer one question (or one a line from stdin with '-')")
    ask.add_argument("question", nargs="+", help="the question, or '-' to read one question a line from stdin")
    ask.add_argument("--json", action="store_true", help="one JSON object a question on stdout")
    ask.set_defaults(handler=cmd_ask)

    sub.add_parser("chat", help="an interactive console chat").set_defaults(handler=cmd_chat)
    sub.add_parser("check", help="validate the knowledge folder").set_defaults(handler=cmd_check)

    sub.add_parser("health", help="ask the running bot's /healthz on HTTP_PORT (exit 0 when healthy)").set_defaults(
        handler=cmd_health
    )

    explain = sub.add_parser("explain", help="why a question scored what it did against its closest cards")
    explain.add_argument("question", nargs="+", help="the question, as a member would type it")
    explain.set_defaults(handler=cmd_explain)

    evaluate = sub.add_parser("eval", help="run the held-out eval set against its thresholds")
    evaluate.add_argument("--file", type=Path, help="an eval file (default: KNOWLEDGE_DIR/eval.yaml)")
    evaluate.add_argument(
        "--noise",
        action="store_true",
        help="also ask every question wrapped in chat openers and closers: each must keep its decision",
    )
    evaluate.add_argument(
        "--learn",
        action="store_true",
        help="replay the set twice as members who teach the bot (picks, 👍), then measure the other sets",
    )
    evaluate.set_defaults(handler=cmd_eval)

    importer = sub.add_parser("import", help="turn an existing FAQ (CSV, TSV, QnA Maker export, Markdown) into cards")
    importer.add_argument("file", type=Path, help="the FAQ: .csv, .tsv or .md")
    importer.add_argument(
        "--into", type=Path, help="the knowledge folder to add the cards to (default: KNOWLEDGE_DIR; made if missing)"
    )
    importer.add_argument("--dry-run", action="store_true", help="check and list the cards, write nothing")
    importer.set_defaults(handler=cmd_import)

    report = sub.add_parser("report", help="what went unanswered, feedback per card, usage statistics")
    report.add_argument("kind", choices=["unanswered", "feedback", "stats"])
    report.add_argument(
        "--days",
        type=_days,
        default=REPORT_DAYS,
        help="the period to report on, in days (default: %(default)s)",
    )
    scope = report.add_mutually_exclusive_group()
    scope.add_argument("--guild", type=_guild, help="one Discord server's records (its id); default: every record")
    scope.add_argument("--workspace", type=_workspace, help="one Slack workspace's records (its team id, T...)")
    shape = report.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="JSON instead of text (same as --format json)")
    shape.add_argument(
        "--format", choices=["text", "json", "eval"], default="text", help="eval: eval-set YAML (default: text)"
    )
    report.set_defaults(handler=cmd_report)

    learn = sub.add_parser("learn", help="review the phrasings learned from members' picks and votes")
    actions = learn.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="the proposed and live phrasings, with how many users gave evidence +/-")
    for action, meaning in (("approve", "make a proposed phrasing live"), ("reject", "never propose it again")):
        actions.add_parser(action, help=meaning).add_argument("id", help="the phrasing's id, as `learn list` shows")
    export = actions.add_parser("export", help="write the live phrasings into their cards' files, then check them")
    export.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")
    learn.set_defaults(handler=cmd_learn)

    run = sub.add_parser("run", help="serve Discord and/or Slack (needs their tokens)")
    run.add_argument("--or-chat", action="store_true", help="start the console chat when no token is set")
    run.add_argument(
        "--platform", choices=["discord", "slack", "all"], help="default: every platform whose token is set"
    )
    run.set_defaults(handler=cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    secrets = [value.get_secret_value() for value in dict(settings).values() if isinstance(value, SecretStr)]
    setup_logging(settings.log_level, settings.log_format, secrets=secrets)
    warn_of_old_names(Settings)
    handler: Callable[[argparse.Namespace, Settings], int] = args.handler
    try:
        return handler(args, settings)
    except KnowledgeError as exc:
        where = "`faqbot check` lists them; in a clone, `.venv/bin/faqbot check`"
        print(f"the knowledge base has errors ({where}):\n{exc}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`faqbot ask ... | head`): stop quietly, as other command-line tools do.
        sys.stdout = None
        return EXIT_OK
