#!/usr/bin/env python3
"""A small scripted HTTP server on 127.0.0.1 for the carbon-intensity tests.

It replays recorded replies from a routes file and logs every request it receives (method: GET,
POST or PUT, path with query, headers) as one JSON object per line, so that tests can assert the
exact requests.

    http_server.py --port 0 --port-file F --routes R --log L [--root DIR]
                   [--max-requests N] [--max-seconds S]

The routes file (re-read whenever it changes, which also restarts every sequence) is
    {"routes": [{"path": "/v3/carbon-intensity/latest",       # path without the query
                 "query": "zone=DK",                           # optional: exact query to match
                 "responses": [{"status": 200, "headers": {...},
                                "body": "..." | "body_file": "rel/to/root.json",
                                "delay_s": 0.0,
                                "echo": true}, ...]}]}          # served in turn, the last repeats
"echo": true replaces "{request}" (or "{path}") in the body with the request's path and query, as
error pages of some services quote the URL they were asked for (keys in query strings included),
and "{header:NAME}" with the value of the request's header NAME (a hostile server echoing the API
key it got in auth-token).
An unknown path gets 404. The server stops by itself after --max-requests requests or
--max-seconds seconds, whichever comes first. The chosen port is written to --port-file.
"""
import argparse
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.text = None
        self.routes = []
        self.counters = {}
        self.requests = 0

    def load(self):
        """Re-read the routes file; a new content restarts every sequence."""
        try:
            with open(self.args.routes, encoding="utf-8") as f:
                text = f.read()
        except OSError:
            text = '{"routes": []}'
        if text != self.text:
            self.text = text
            try:
                self.routes = json.loads(text).get("routes", [])
            except ValueError:
                self.routes = []
            self.counters = {}

    def pick(self, path, query):
        with self.lock:
            self.load()
            for i, r in enumerate(self.routes):
                if r.get("path") != path:
                    continue
                if "query" in r and r["query"] != query:
                    continue
                responses = r.get("responses") or [{"status": 200, "body": ""}]
                n = self.counters.get(i, 0)
                self.counters[i] = n + 1
                return responses[min(n, len(responses) - 1)]
            return None

    def log(self, entry):
        with self.lock:
            self.requests += 1
            with open(self.args.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry, sort_keys=True) + "\n")
                f.flush()
            return self.requests


def make_handler(state, server_ref):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # quiet
            pass

        def do_GET(self):
            parts = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            count = state.log({"method": self.command, "path": self.path, "headers": headers})
            resp = state.pick(parts.path, parts.query)
            if resp is None:
                resp = {"status": 404, "body": json.dumps({"error": "no route for " + parts.path})}
            delay = float(resp.get("delay_s", 0))
            if delay > 0:
                time.sleep(delay)
            if "body_file" in resp:
                with open(os.path.join(state.args.root, resp["body_file"]), "rb") as f:
                    body = f.read()
            else:
                body = resp.get("body", "").encode("utf-8")
            if resp.get("echo"):
                body = body.replace(b"{request}", self.path.encode("utf-8"))
                body = body.replace(b"{path}", self.path.encode("utf-8"))
                body = re.sub(rb"\{header:([A-Za-z0-9-]+)\}",
                              lambda m: headers.get(m.group(1).decode().lower(), "").encode("utf-8"),
                              body)
            try:
                self.send_response(int(resp.get("status", 200)))
                hdrs = {"Content-Type": "application/json"}
                hdrs.update(resp.get("headers", {}))
                for k, v in hdrs.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
            if count >= state.args.max_requests:
                threading.Thread(target=server_ref[0].shutdown, daemon=True).start()

        def do_POST(self):
            self.do_GET()

        def do_PUT(self):  # AWS's metadata token
            self.do_GET()

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--routes", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--root", default=".")
    ap.add_argument("--max-requests", type=int, default=500)
    ap.add_argument("--max-seconds", type=float, default=120.0)
    args = ap.parse_args()

    state = State(args)
    server_ref = [None]
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(state, server_ref))
    server.daemon_threads = True
    server_ref[0] = server
    tmp = args.port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(str(server.server_address[1]) + "\n")
    os.replace(tmp, args.port_file)
    timer = threading.Timer(args.max_seconds, server.shutdown)
    timer.daemon = True
    timer.start()
    try:
        server.serve_forever(poll_interval=0.05)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
