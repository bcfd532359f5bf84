"""The schema as numbered migrations, applied in order at start-up; written once to run on SQLite and PostgreSQL.

Never edit a migration that has shipped: add the next one. Times are UTC epoch seconds.
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: questions and feedback votes
    (
        """CREATE TABLE questions (
            id TEXT PRIMARY KEY,
            asked_at DOUBLE PRECISION NOT NULL,
            platform TEXT NOT NULL,
            guild TEXT,
            channel TEXT,
            user_hash TEXT NOT NULL,
            question TEXT NOT NULL,
            card TEXT,
            score DOUBLE PRECISION NOT NULL,
            outcome TEXT NOT NULL
        )""",
        """CREATE TABLE votes (
            question_id TEXT NOT NULL,
            user_hash TEXT NOT NULL,
            card TEXT NOT NULL,
            helpful BOOLEAN NOT NULL,
            reason TEXT,
            voted_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (user_hash, card)
        )""",
    ),
    # 2: "did you mean" picks, and the time indexes that retention and reports scan
    (
        """CREATE TABLE picks (
            id TEXT PRIMARY KEY,
            question_id TEXT NOT NULL,
            card TEXT NOT NULL,
            picked_at DOUBLE PRECISION NOT NULL
        )""",
        "CREATE INDEX questions_asked_at ON questions (asked_at)",
        "CREATE INDEX votes_voted_at ON votes (voted_at)",
        "CREATE INDEX picks_picked_at ON picks (picked_at)",
    ),
    # 3: learned phrasings: evidence for and against a card, per normalized question and user; the phrasings
    # proposed from it (states: proposed, live, rejected, withdrawn, exported)
    (
        """CREATE TABLE learn_evidence (
            question_key TEXT NOT NULL,
            card TEXT NOT NULL,
            user_hash TEXT NOT NULL,
            helpful BOOLEAN NOT NULL,
            question TEXT NOT NULL,
            given_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (question_key, card, user_hash)
        )""",
        "CREATE INDEX learn_evidence_given_at ON learn_evidence (given_at)",
        """CREATE TABLE learned_phrasings (
            id TEXT PRIMARY KEY,
            question_key TEXT NOT NULL,
            card TEXT NOT NULL,
            question TEXT NOT NULL,
            state TEXT NOT NULL,
            proposed_at DOUBLE PRECISION NOT NULL,
            decided_at DOUBLE PRECISION,
            decided_by TEXT,
            UNIQUE (question_key, card)
        )""",
    ),
    # 4: facts about the store itself, shared by every process writing to it (the check of the user-hash salt)
    ("CREATE TABLE store_keys (name TEXT PRIMARY KEY, value TEXT NOT NULL)",),
)

LATEST = len(MIGRATIONS)

VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
)
