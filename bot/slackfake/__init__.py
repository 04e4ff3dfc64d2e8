"""A fake Slack for tests, the benchmark and the local console, plus signed requests into the app.

`FakeSlack` answers the Web API, response URLs and file uploads on 127.0.0.1 and records every call;
`SlackRequests` builds and signs the payloads Slack sends to the app; `SlackClientApp` serves a Bolt
`AsyncApp` over HTTP on 127.0.0.1 so those requests reach it the way Slack's would.
"""

from bot.slackfake.app_server import SlackClientApp
from bot.slackfake.records import Call, Message, UploadedFile, User
from bot.slackfake.requests import AppResponse, SendOptions, SlackRequests
from bot.slackfake.server import FakeSlack
from bot.slackfake.state import ApiError

__all__ = [
    "ApiError",
    "AppResponse",
    "Call",
    "FakeSlack",
    "Message",
    "SendOptions",
    "SlackClientApp",
    "SlackRequests",
    "UploadedFile",
    "User",
]
