"""A fake Slack for tests, the benchmark and the local console, plus signed requests into the app.

`FakeSlack` answers the Web API, response URLs and file uploads on 127.0.0.1 and records every call;
`SlackRequests` builds and signs the payloads Slack sends to the app (commands, interactivity, the
`app_home_opened` event carrying the Home view published so far, and a workflow step's `function_executed`
event, whose completion the fake checks and records); `SlackClientApp`
serves a Bolt `AsyncApp` over HTTP on 127.0.0.1 so those requests reach it the way Slack's would.
"""

from devkit.slackfake.app_server import SlackClientApp
from devkit.slackfake.functions import FunctionExecution, user_context
from devkit.slackfake.records import Call, Message, UploadedFile, User
from devkit.slackfake.requests import AppResponse, SendOptions, SlackRequests
from devkit.slackfake.server import FakeSlack
from devkit.slackfake.state import ApiError

__all__ = [
    "ApiError",
    "AppResponse",
    "Call",
    "FakeSlack",
    "FunctionExecution",
    "Message",
    "SendOptions",
    "SlackClientApp",
    "SlackRequests",
    "UploadedFile",
    "User",
    "user_context",
]
