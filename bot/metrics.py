"""Prometheus metrics that every chat adapter reports to, so one dashboard serves Discord and Slack alike.

Adapters push what happens (a question answered, a reload that failed); what can be read at any moment
(connection state, gateway latency, cards loaded, store state and backlog) is read by the health server at each scrape.
"""

from __future__ import annotations

import logging

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry()

# The engine's outcomes (answered, partial, low_score, ambiguous, broad, empty), then the adapters' own: a refusal
# reason from `bot.guard` (too_long, cooldown) or "error". A closed set keeps the label's cardinality bounded:
# anything else is counted as "other".
OUTCOMES = frozenset(
    {"answered", "partial", "low_score", "ambiguous", "broad", "empty", "too_long", "cooldown", "error"}
)

QUESTIONS = Counter(
    "faqbot_questions", "Questions handled, by platform and outcome.", ["platform", "outcome"], registry=REGISTRY
)
ANSWER_SECONDS = Histogram(
    "faqbot_answer_seconds",
    "Time from receiving a question to the reply being sent.",
    ["platform"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
GATEWAY_LATENCY = Gauge(
    "faqbot_gateway_latency_seconds", "Heartbeat round trip to the chat platform.", ["platform"], registry=REGISTRY
)
CONNECTED = Gauge(
    "faqbot_connected", "1 while the connection to the chat platform is up.", ["platform"], registry=REGISTRY
)
CARDS_LOADED = Gauge("faqbot_cards_loaded", "Cards in the knowledge base being served.", registry=REGISTRY)
RELOAD_FAILURES = Counter(
    "faqbot_reload_failures", "Card reloads refused because the new cards had errors.", registry=REGISTRY
)
STORE_QUEUE_DEPTH = Gauge("faqbot_store_queue_depth", "Records waiting to be written to the store.", registry=REGISTRY)
STORE_OK = Gauge(
    "faqbot_store_ok", "1 while the store records; 0 while it is degraded (the bot answers anyway).", registry=REGISTRY
)


def observe_answer(platform: str, outcome: str, seconds: float) -> None:
    """Count one question and its latency; call once per question, after the reply went out."""
    if outcome not in OUTCOMES:
        log.warning("unknown outcome %r counted as 'other': add it to bot.metrics.OUTCOMES", outcome)
        outcome = "other"
    QUESTIONS.labels(platform, outcome).inc()
    ANSWER_SECONDS.labels(platform).observe(max(0.0, seconds))


def observe_reload_failure() -> None:
    RELOAD_FAILURES.inc()


def render() -> tuple[bytes, str]:
    """The exposition text and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
