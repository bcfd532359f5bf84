"""The Events API and interactivity over HTTP at `/slack/events`, every request's signature and age checked.

Bolt's request verification answers 401 to a bad signature or a timestamp older than five minutes, before any
listener runs.
"""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

log = logging.getLogger(__name__)

PATH = "/slack/events"


def events_route(app: AsyncApp) -> web.RouteDef:
    async def events(request: web.Request) -> web.Response:
        try:
            bolt_request = await to_bolt_request(request)
        except Exception:
            log.warning("skipped an unreadable request to %s", PATH, exc_info=True)
            return web.json_response({"error": "unreadable request"}, status=400)
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))

    return web.post(PATH, events)
