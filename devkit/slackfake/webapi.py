"""The Web API methods the bot calls, answered from the fake workspace as Slack answers them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from devkit.slackfake.records import UploadedFile
from devkit.slackfake.state import ApiError, Workspace
from devkit.slackfake.validation import message_problems, view_problems

Method = Callable[[Workspace, dict[str, Any]], dict[str, Any]]
MAX_VIEW_STACK = 3


def auth_test(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Who the token belongs to; Bolt calls this on its first request."""
    return {
        "ok": True,
        "url": f"{ws.base_url}/",
        "team": "Fake Workspace",
        "user": "telnyx",
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def _check_message(args: dict[str, Any]) -> None:
    error, details = message_problems(args)
    if error:
        raise ApiError(error, details)


def chat_post_message(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Post a message; a user id as channel posts in the DM, like Slack."""
    channel = ws.resolve_channel(args.get("channel"))
    _check_message(args)
    if args.get("thread_ts") and ws.find_message(channel, args["thread_ts"]) is None:
        raise ApiError("thread_not_found")
    message = ws.post(channel, args, source="chat.postMessage")
    return {"ok": True, "channel": channel, "ts": message.ts, "message": message.to_dict()}


def chat_post_ephemeral(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Post a message only `user` sees."""
    user = args.get("user")
    if not user:
        raise ApiError("user_not_found")
    channel = ws.resolve_channel(args.get("channel"))
    _check_message(args)
    message = ws.post(channel, args, source="chat.postEphemeral", ephemeral_to=user)
    return {"ok": True, "message_ts": message.ts}


def chat_update(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Replace a bot message's text and blocks (blocks kept when not sent, as Slack does)."""
    channel, ts = args.get("channel"), args.get("ts")
    if not channel or not ts:
        raise ApiError("invalid_arguments", ["channel and ts are required"])
    channel = ws.resolve_channel(channel)
    message = ws.find_message(channel, ts)
    if message is None or message.is_ephemeral:
        raise ApiError("message_not_found")
    if message.user != ws.bot_user_id:
        raise ApiError("cant_update_message")
    merged = {"text": args.get("text"), "blocks": args.get("blocks", message.blocks)}
    _check_message(merged)
    message.text = merged["text"] or ""
    message.blocks = list(merged["blocks"] or [])
    message.edited = True
    return {"ok": True, "channel": channel, "ts": ts, "text": message.text, "message": message.to_dict()}


def chat_delete(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Delete a bot message."""
    channel = ws.resolve_channel(args.get("channel"))
    message = ws.find_message(channel, args.get("ts") or "")
    if message is None or message.is_ephemeral:
        raise ApiError("message_not_found")
    if message.user != ws.bot_user_id:
        raise ApiError("cant_delete_message")
    ws.all_messages.remove(message)
    return {"ok": True, "channel": channel, "ts": message.ts}


def conversations_open(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Open (or find) the DM with one user; several users make a group DM."""
    users = args.get("users")
    ids = [u for u in (users.split(",") if isinstance(users, str) else users or []) if u]
    if not ids:
        raise ApiError("users_list_not_supplied")
    if len(ids) == 1:
        return {"ok": True, "channel": {"id": ws.dm_channel(ids[0])}}
    key = ",".join(sorted(ids))
    return {"ok": True, "channel": {"id": ws.dms.setdefault(key, ws.clock.next_id("G"))}}


def users_info(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """A member added with `add_user` (name, real_name, tz)."""
    user = ws.users.get(args.get("user") or "")
    if user is None:
        raise ApiError("user_not_found")
    return {"ok": True, "user": user.to_dict()}


def usergroups_users_list(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Members of a user group set with `set_usergroup`."""
    group = args.get("usergroup") or ""
    if group not in ws.usergroups:
        raise ApiError("no_such_subteam")
    return {"ok": True, "users": list(ws.usergroups[group])}


def _valid_view(args: dict[str, Any]) -> dict[str, Any]:
    view = args.get("view")
    problems = view_problems(view)
    if problems:
        raise ApiError(
            "invalid_arguments",
            problems,
            extra={"response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]}},
        )
    assert isinstance(view, dict)  # view_problems refuses anything else
    return view


def views_open(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Open a modal with a fresh trigger_id; the trigger is used up only when the view is accepted."""
    trigger = ws.check_trigger(args.get("trigger_id"))
    view = _valid_view(args)
    trigger.used = True
    stored = ws.store_view(view)
    ws.view_stacks[trigger.user] = [stored["id"]]
    return {"ok": True, "view": stored}


def views_push(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Push a modal onto the user's stack (at most 3 deep)."""
    trigger = ws.check_trigger(args.get("trigger_id"))
    view = _valid_view(args)
    stack = ws.view_stacks.setdefault(trigger.user, [])
    if len(stack) >= MAX_VIEW_STACK:
        raise ApiError("push_limit_reached")
    trigger.used = True
    below = ws.views.get(stack[-1]) if stack else None
    stored = ws.store_view(
        view,
        previous={
            "root_view_id": (below or {}).get("root_view_id"),
            "previous_view_id": (below or {}).get("id"),
        },
    )
    stack.append(stored["id"])
    return {"ok": True, "view": stored}


def views_update(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Replace a view; a stale `hash` fails with hash_conflict like Slack."""
    current = ws.find_view(args.get("view_id"), args.get("external_id"))
    if args.get("hash") and args["hash"] != current["hash"]:
        raise ApiError("hash_conflict")
    view = _valid_view(args)
    stored = ws.store_view(view, view_id=current["id"], previous=current)
    return {"ok": True, "view": stored}


def views_publish(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Publish a user's Home tab."""
    user = args.get("user_id")
    if not user:
        raise ApiError("invalid_arguments", ["user_id is required"])
    view = _valid_view(args)
    if view.get("type") != "home":
        raise ApiError("invalid_arguments", ["view type must be home [json-pointer:/view/type]"])
    current = ws.views.get(ws.home_views.get(user, ""))
    if current is not None and args.get("hash") and args["hash"] != current["hash"]:
        raise ApiError("hash_conflict")
    stored = ws.store_view(view, view_id=current["id"] if current else None)
    ws.home_views[user] = stored["id"]
    return {"ok": True, "view": stored}


def files_get_upload_url_external(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Step 1 of an upload: a file id and an upload URL on this fake."""
    filename, length = args.get("filename"), args.get("length")
    if not filename:
        raise ApiError("invalid_arguments", ["filename is required"])
    try:
        size = int(length)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApiError("invalid_arguments", ["length must be an integer"]) from None
    file_id = ws.clock.next_id("F")
    ws.files[file_id] = UploadedFile(id=file_id, name=filename, length=size)
    return {"ok": True, "upload_url": f"{ws.base_url}/upload/{file_id}", "file_id": file_id}


def files_complete_upload_external(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Step 3: finish uploads and share them in `channel_id` with the initial comment."""
    entries = args.get("files")
    if not isinstance(entries, list) or not entries:
        raise ApiError("invalid_arguments", ["files must be a non-empty array"])
    found: list[UploadedFile] = []
    for entry in entries:
        uploaded = ws.files.get(entry.get("id", "")) if isinstance(entry, dict) else None
        if uploaded is None or not uploaded.uploaded:
            raise ApiError("file_not_found")
        found.append(uploaded)
    # slack_sdk sends channel_id, or `channels` as a comma list; the fake shares to the first one
    target = args.get("channel_id") or (str(args.get("channels") or "").split(",")[0])
    channel = ws.resolve_channel(target) if target else None
    for entry, uploaded in zip(entries, found, strict=True):
        uploaded.title = entry.get("title") or uploaded.name
        uploaded.channel_id = channel
        uploaded.initial_comment = args.get("initial_comment")
        uploaded.thread_ts = args.get("thread_ts")
        uploaded.completed = True
    if channel:
        message = ws.post(
            channel,
            {"text": args.get("initial_comment") or "", "thread_ts": args.get("thread_ts")},
            source="files.completeUploadExternal",
        )
        message.files = [f.id for f in found]
    files = [{"id": f.id, "name": f.name, "title": f.title, "size": len(f.content)} for f in found]
    return {"ok": True, "files": files}


METHODS: dict[str, Method] = {
    "auth.test": auth_test,
    "chat.postMessage": chat_post_message,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "conversations.open": conversations_open,
    "users.info": users_info,
    "usergroups.users.list": usergroups_users_list,
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
    "files.getUploadURLExternal": files_get_upload_url_external,
    "files.completeUploadExternal": files_complete_upload_external,
}

# Calls that carry a message or a view: validated, and worth a warning when the text fallback is missing.
MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update"})
