"""Load: interactions a second end to end through the tests' fake Discord, with one bot process and with two shards.

Each process is `python -m bot run` on the fixture cards, with SQLite in a folder of its own, connected to the fake
Discord, which gives each shard its own server (`(guild_id >> 22) % shard_count`). After a warm-up question in each
server, the bench dispatches every `/ask` interaction of a burst at once, spread evenly over the two servers, each
from a new member (no cooldown), and times each from its dispatch to the bot's reply (the interaction callback the
fake Discord receives). `python -m bench --load` runs it alone.

The peak assumed: a 100,000-member server where a tenth of the members are active on a day and each asks the bot
once is 10,000 questions a day; with the busiest hour at four times the day's mean, about 0.5 a second. The target
is ten times that, 5 interactions a second, with every reply within Discord's 3 s to answer an interaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tests.e2e.bot_process import discord_env
from tests.e2e.fake_discord import payloads
from tests.e2e.fake_discord.harness import TOKEN
from tests.e2e.fake_discord.server import FakeDiscord

INTERACTIONS = 1_000
SMOKE_INTERACTIONS = 40
PROCESSES = (1, 2)
GUILDS = (800 << 22, 801 << 22)  # one server on each of two shards
QUESTIONS = ("how do I get a role?", "what are the rules", "how do I install python", "is there a voice channel")
START_SECONDS = 120.0
BURST_SECONDS = 300.0
EXIT_SECONDS = 10.0
TARGET_PER_SECOND = 5.0
REPLY_WITHIN_MS = 3000.0
CALLBACK = re.compile(r"/interactions/(\d+)/[^/]+/callback")


@dataclass(frozen=True)
class Load:
    processes: int
    interactions: int
    per_second: float
    p50_ms: float
    p99_ms: float


def _env(fake: FakeDiscord, data_dir: Path, processes: int, shard: int) -> dict[str, str]:
    # No line a question: the bench measures the bot, not its log.
    sharding = {"DISCORD_SHARD_COUNT": str(processes), "DISCORD_SHARD_IDS": str(shard)} if processes > 1 else {}
    return discord_env(fake, data_dir, GUILDS, LOG_LEVEL="WARNING", **sharding)


async def _ask(fake: FakeDiscord, count: int) -> dict[int, float]:
    """Dispatch `count` questions at once, alternating servers; when each was sent, by interaction id."""
    sent: dict[int, float] = {}
    for index in range(count):
        interaction_id = fake.new_id()
        question = payloads.slash("ask", [payloads.string_option("question", QUESTIONS[index % len(QUESTIONS)])])
        payload = payloads.interaction(
            interaction_id, 2, question, payloads.user(), guild_id=GUILDS[index % len(GUILDS)]
        )
        sent[interaction_id] = time.perf_counter()
        await fake.dispatch("INTERACTION_CREATE", payload)
    return sent


def _replied(fake: FakeDiscord) -> dict[int, float]:
    """When each interaction's callback arrived, by interaction id."""
    return {int(match[1]): r.at for r in fake.requests if r.method == "POST" and (match := CALLBACK.fullmatch(r.path))}


async def _measure(count: int, workdir: Path, logs: list[IO[bytes]]) -> Load:
    """One process a log (its stderr)."""
    processes = len(logs)
    fake = FakeDiscord(TOKEN, GUILDS)
    await fake.start()
    children: list[asyncio.subprocess.Process] = []
    try:
        for shard, log in enumerate(logs):
            env = _env(fake, workdir / f"data-{processes}-{shard}", processes, shard)
            command = (sys.executable, "-m", "bot", "run")
            children.append(await asyncio.create_subprocess_exec(*command, cwd=workdir, env=env, stderr=log))

        def connected() -> bool:
            return fake.identifies == processes and all(session.ws for session in fake.sessions.values())

        await fake.wait_until(connected, seconds=START_SECONDS)
        warm_up = await _ask(fake, len(GUILDS))
        await fake.wait_until(lambda: warm_up.keys() <= _replied(fake).keys(), seconds=START_SECONDS)
        sent = await _ask(fake, count)
        await fake.wait_until(lambda: sent.keys() <= _replied(fake).keys(), seconds=BURST_SECONDS)
        replied = _replied(fake)
    finally:
        for child in children:
            if child.returncode is None:
                child.terminate()
        for child in children:
            await asyncio.wait_for(child.wait(), EXIT_SECONDS)
        await fake.stop()
    latencies = sorted((replied[key] - sent[key]) * 1000 for key in sent)
    elapsed = max(replied[key] for key in sent) - min(sent.values())
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return Load(processes, count, count / elapsed, statistics.median(latencies), p99)


def run(count: int) -> list[Load | str]:
    """One burst of `count` interactions with each number of processes; why, for one that failed."""
    results: list[Load | str] = []
    with tempfile.TemporaryDirectory(prefix="faqbot-load-") as workdir:
        for processes in PROCESSES:
            print(f"load: {count:,} interactions, {processes} process(es) ...", file=sys.stderr, flush=True)
            paths = [Path(workdir) / f"bot-{processes}-{shard}.log" for shard in range(processes)]
            try:
                with contextlib.ExitStack() as stack:
                    logs = [stack.enter_context(path.open("wb")) for path in paths]
                    results.append(asyncio.run(_measure(count, Path(workdir), logs)))
            except (TimeoutError, OSError) as error:
                last = [line for path in paths for line in path.read_text(errors="replace").splitlines()][-1:]
                results.append(f"{processes} process(es): failed ({type(error).__name__} {error}; {''.join(last)})")
    return results


def lines(results: list[Load | str]) -> list[str]:
    out = [
        "## Load through the fake Discord",
        "",
        "`python -m bot run` processes (one unsharded; two with `DISCORD_SHARD_COUNT=2`, `DISCORD_SHARD_IDS` 0 and 1) "
        "on the fixture cards, SQLite each, against the tests' fake Discord; a burst of `/ask` interactions dispatched "
        "at once over two servers, one a shard, each timed from its dispatch to the bot's reply. Target: "
        f"{TARGET_PER_SECOND:g} a second, ten times the peak assumed for a 100,000-member server (10% active a day, "
        "one question each, the busiest hour at four times the mean: 0.5 a second), every reply within 3 s. "
        "`python -m bench --load`.",
        "",
        "| processes | interactions | per second | dispatch to reply p50 / p99 | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    for result in results:
        if isinstance(result, str):
            out.append(f"| {result} | | | | |")
            continue
        met = result.per_second >= TARGET_PER_SECOND and result.p99_ms <= REPLY_WITHIN_MS
        out.append(
            f"| {result.processes} | {result.interactions:,} | {result.per_second:.0f} | "
            f"{result.p50_ms:.0f} / {result.p99_ms:.0f} ms | {'✓' if met else '✗'} |"
        )
    return [*out, ""]
