#!/usr/bin/env python3
"""A Python program that devrun can talk to, with the standard library only.

    devrun app.py               # then, from another terminal:
    devrun send stats
    devrun send reload '{"reason": "config changed"}'

Its page is templates/index.html. Edit it: devrun hands the change to the
reload-templates command instead of restarting, so the page changes and the request
count on it goes on.

devrun passes a socket as the file descriptor named by DEVRUN_RPC_FD. Each line on it
is one JSON value: devrun's JSON-RPC 2.0 requests come in, this program's answers go
out. Outside devrun the variable is absent: the server runs the same, without commands.
"""

import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STARTED = time.time()
TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates", "index.html")
state = {"requests": 0, "reloads": 0, "greeting": "hello from python",
         "template": open(TEMPLATE, encoding="utf-8").read(), "template_reloads": 0}
state_lock = threading.Lock()


def reload_templates(params):
    """devrun calls it with {"files": [...]} when a file of templates/ changes."""
    text = open(TEMPLATE, encoding="utf-8").read()
    with state_lock:
        state["template"] = text
        state["template_reloads"] += 1
    return {"files": (params or {}).get("files", [])}


def reload(params):
    reason = (params or {}).get("reason", "") if isinstance(params, dict) else ""
    with state_lock:
        state["reloads"] += 1
        state["greeting"] = "hello from python (reloaded %dx%s)" % (
            state["reloads"], ": " + reason if reason else "")
        return {"reloaded": True, "reloads": state["reloads"]}


def stats(params):
    with state_lock:
        return {
            "pid": os.getpid(),
            "uptimeMs": int((time.time() - STARTED) * 1000),
            "requests": state["requests"],
            "reloads": state["reloads"],
        }


COMMANDS = {"reload": reload, "reload-templates": reload_templates, "stats": stats}


class Channel:
    """The devrun channel: newline-delimited JSON-RPC 2.0 over an inherited socket."""

    def __init__(self, fd):
        os.set_inheritable(fd, False)  # our own subprocesses must not get it
        self.sock = socket.socket(fileno=fd)
        self.write_lock = threading.Lock()

    def send(self, msg):
        # Compact JSON on one line; allow_nan=False because NaN is not JSON and an
        # invalid line would break the peer.
        data = json.dumps(msg, separators=(",", ":"), allow_nan=False).encode() + b"\n"
        with self.write_lock:  # one message at a time, never interleaved
            self.sock.sendall(data)

    def reply(self, msg_id, result=None, error=None):
        msg = {"jsonrpc": "2.0", "id": msg_id}
        if error is not None:
            msg["error"] = error
        else:
            msg["result"] = result
        try:
            self.send(msg)
        except ValueError as exc:  # the result does not encode as JSON
            self.send({"jsonrpc": "2.0", "id": msg_id,
                       "error": {"code": -32603, "message": "result is not JSON: %s" % exc}})

    def handle(self, line):
        try:
            msg = json.loads(line)
        except ValueError:
            self.reply(None, error={"code": -32700, "message": "parse error"})
            return
        # Values that are not requests (devrun's answers, events) are ignored.
        if not isinstance(msg, dict) or not isinstance(msg.get("method"), str):
            return
        is_request = "id" in msg
        command = COMMANDS.get(msg["method"])
        if command is None:
            if is_request:  # $/cancelRequest and other notifications need no answer
                self.reply(msg["id"], error={"code": -32601, "message": "method not found: " + msg["method"]})
            return
        try:
            result = command(msg.get("params"))
        except Exception as exc:  # the caller gets the error, the program goes on
            if is_request:
                self.reply(msg["id"], error={"code": -32000, "message": str(exc)})
            return
        if is_request:
            self.reply(msg["id"], result)

    def serve(self):
        self.send({"jsonrpc": "2.0", "method": "devrun.hello",
                   "params": {"protocol": 1, "pid": os.getpid(), "methods": sorted(COMMANDS),
                              # the files this program takes through a command, not a restart
                              "reloads": [{"files": ["templates/**"], "method": "reload-templates"}]}})
        with self.sock.makefile("rb") as lines:
            for line in lines:
                if line.strip():
                    # One thread per request, so a slow command does not hold the others.
                    threading.Thread(target=self.handle, args=(line,), daemon=True).start()
        # devrun closed the channel: it is gone, so go too rather than linger.
        print("devrun closed the channel: exiting", file=sys.stderr, flush=True)
        os._exit(0)


def open_channel():
    fd = os.environ.pop("DEVRUN_RPC_FD", None)  # pop: subprocesses must not see it
    os.environ.pop("DEVRUN_PROTOCOL", None)
    if fd is None:
        return None
    return Channel(int(fd))


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        with state_lock:
            state["requests"] += 1
            body = (state["template"].replace("{greeting}", state["greeting"])
                    .replace("{reloads}", str(state["template_reloads"]))
                    .replace("{requests}", str(state["requests"]))).encode()
        self.send_response(200)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


def main():
    server = ThreadingHTTPServer(("", int(os.environ.get("PORT", "8000"))), Handler)
    print("listening on :%d" % server.server_address[1], flush=True)
    channel = open_channel()
    if channel is None:
        print("not started by devrun: commands are off (run it with `devrun app.py`)", flush=True)
    else:
        threading.Thread(target=channel.serve, daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
