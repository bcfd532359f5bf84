"""`faqbot learn list|approve|reject|export`: the admins' review of learned phrasings on the command line.

A running bot reads the live list again within `FOLLOW_SECONDS`, so an approval here reaches it without a restart.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from bot.cards import load_knowledge
from bot.exits import EXIT_FAIL, EXIT_OK
from bot.learn import export as exporting
from bot.settings import Settings
from bot.store import Store, open_store
from bot.store import learning as records
from bot.store.learning import Phrasing, State

LISTED = (State.PROPOSED, State.LIVE)


def format_list(phrasings: list[Phrasing], tallies: dict[tuple[str, str], records.Tally]) -> str:
    if not phrasings:
        return "No learned phrasings proposed or live."
    lines = [f"{'id':<10}  {'state':<8}  {'card':<28}  {'users +/-':<9}  question"]
    for p in phrasings:
        tally = tallies.get((p.key, p.card), records.Tally(0, 0))
        users = f"{tally.helpful}/{tally.unhelpful}"
        lines.append(f"{p.id:<10}  {p.state.value:<8}  {p.card:<28}  {users:<9}  {p.question}")
    return "\n".join(lines)


async def _list(store: Store) -> int:
    phrasings = await records.phrasings(store, *LISTED)
    tallies = await records.tallies(store, [(p.key, p.card) for p in phrasings])
    print(format_list(phrasings, tallies))
    return EXIT_OK


async def _decide(store: Store, phrasing_id: str, state: State) -> int:
    phrasing = await records.decide(store, phrasing_id, state, by=f"cli:{getpass.getuser()}")
    if phrasing is None:
        allowed = " or ".join(s.value for s in records.DECIDABLE[state])
        print(f"no {allowed} phrasing with id {phrasing_id!r} (`faqbot learn list` shows them)", file=sys.stderr)
        return EXIT_FAIL
    done = "live: answered from the next question on" if state is State.LIVE else "rejected: never proposed again"
    print(f"{phrasing.id} ({phrasing.card}: {phrasing.question!r}) is {done}")
    return EXIT_OK


async def _export(store: Store, settings: Settings, dry_run: bool) -> int:
    knowledge, problems = load_knowledge(settings.knowledge_dir)
    if errors := [problem for problem in problems if not problem.warning]:
        print("\n".join(map(str, errors)), file=sys.stderr)
        print("the cards have errors: fix them (`faqbot check`) before exporting into them", file=sys.stderr)
        return EXIT_FAIL
    live = await records.phrasings(store, State.LIVE)
    exported = exporting.export(knowledge, [(p.id, p.card, p.question) for p in live])
    for phrasing_id, why in exported.skipped:
        print(f"skipped {phrasing_id}: {why}", file=sys.stderr)
    if dry_run:
        print(exported.diff(), end="")
        print(f"would export {len(exported.written)} phrasing(s) into {len(exported.texts)} file(s) (dry run)")
        return EXIT_OK
    exporting.write(exported)
    _, problems = load_knowledge(settings.knowledge_dir)
    if errors := [problem for problem in problems if not problem.warning]:
        exporting.restore(exported)
        print("\n".join(map(str, errors)), file=sys.stderr)
        print("the card check failed after the export: the files are as they were", file=sys.stderr)
        return EXIT_FAIL
    for phrasing_id in exported.written:
        await records.decide(store, phrasing_id, State.EXPORTED, by="export")
    print(
        f"exported {len(exported.written)} phrasing(s) into {len(exported.texts)} file(s); the card check passes. "
        "Running bots answer them from the files after a reload (/faq reload, or WATCH_KNOWLEDGE=true)."
    )
    return EXIT_OK


def run(args: argparse.Namespace, settings: Settings) -> int:
    async def main() -> int:
        store = await open_store(settings)
        try:
            if args.action == "list":
                return await _list(store)
            if args.action == "export":
                return await _export(store, settings, args.dry_run)
            return await _decide(store, args.id, State.LIVE if args.action == "approve" else State.REJECTED)
        finally:
            await store.close()

    return asyncio.run(main())
