"""The Slack app: one Web API client with retries, and a Bolt app with every listener registered."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.answering import Answerer
from bot.holder import EngineHolder
from bot.settings import Settings
from bot.slack import admin, ask, buttons, capture, cards, learn, messages, remove
from bot.slack.authority import Authority

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 5  # each waits the Retry-After Slack sent, so nothing is dropped under a burst
SERVER_ERROR_RETRIES = 2
CONNECTION_RETRIES = 2


def retry_handlers() -> list[AsyncRetryHandler]:
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        AsyncServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
    ]


def build_client(settings: Settings) -> AsyncWebClient:
    if settings.slack_bot_token is None:
        raise ValueError("SLACK_BOT_TOKEN is not set")
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        retry_handlers=retry_handlers(),
    )


def only_from(workspaces: frozenset[str]) -> Callable[..., Awaitable[BoltResponse]]:
    """A global middleware for SLACK_ALLOWED_WORKSPACE_IDS: a request from any other workspace (event, command or
    action) is acknowledged, so Slack does not send it again, and goes no further: not answered, not recorded."""

    async def allowed_workspace(
        context: AsyncBoltContext, next_: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        if context.team_id in workspaces:
            return await next_()
        log.warning(
            "ignored a request from Slack workspace %s: it is not in SLACK_ALLOWED_WORKSPACE_IDS", context.team_id
        )
        return BoltResponse(status=200, body="")

    return allowed_workspace


def build_app(
    settings: Settings, holder: EngineHolder, store: Store | None = None, client: AsyncWebClient | None = None
) -> AsyncApp:
    """Bolt's own signature check is off: over HTTP, `http_mode` checks every request before Bolt reads it (Bolt
    would parse first and log the body of every refused request); over Socket Mode the socket is authenticated."""
    over_http = settings.slack_app_token is None
    bolt_log = logging.getLogger("bot.slack.bolt")
    # Bolt reads SLACK_BOT_TOKEN from the environment itself and, seeing it beside the client it is given, warns on
    # every start that it will not use it; the client holds that same token.
    token_unused = warning_client_prioritized_and_token_skipped()

    def quiet(record: logging.LogRecord) -> bool:
        return record.getMessage() != token_unused

    bolt_log.addFilter(quiet)
    try:
        app = AsyncApp(
            name="faqbot",
            client=client or build_client(settings),
            request_verification_enabled=False,
            url_verification_enabled=over_http,
            ssl_check_enabled=over_http,
            logger=bolt_log,
        )
    finally:
        bolt_log.removeFilter(quiet)
    if settings.slack_allowed_workspace_ids:
        app.middleware(only_from(frozenset(settings.slack_allowed_workspace_ids)))
    answerer = Answerer(holder, settings, "slack", store)
    ask.register(app, answerer)
    messages.register(app, answerer, frozenset(settings.slack_answer_channel_ids))
    buttons.register(app, answerer)
    authority = Authority(app.client, settings.slack_admin_user_ids, settings.slack_admin_group_id)
    slack_admin = admin.SlackAdmin(answerer, authority)
    for module in (admin, cards, learn, remove, capture):
        module.register(app, slack_admin)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("a Slack request failed and was skipped: %s", type(error).__name__, exc_info=error)

    return app
