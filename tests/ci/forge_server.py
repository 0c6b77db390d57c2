"""A stand-in for GitHub's and Gitea's issue-comment API, on 127.0.0.1.

Serves the routes scripts/pr-comment.sh uses, under `/` (GitHub) and
`/api/v1` (Gitea), keeps the comments in memory and appends every request
(method, path, Authorization, Accept, JSON body) to a JSON-lines log. The
port it listens on is written to a file once it is ready.

    python3 forge_server.py LOG PORT_FILE [--seed N] [--read-only TOKEN]

--seed N: the pull request starts with N comments by someone else, so that
GitHub's paging is exercised (GitHub answers 100 a page at most; Gitea
ignores paging and answers every comment, as the real ones do).
--read-only TOKEN: writes with this token are refused (403), as a fork's
read-only token is.
"""

import argparse
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LIST = re.compile(r"^(?P<api>/api/v1)?/repos/(?P<repo>[^/]+/[^/]+)/issues/(?P<pr>\d+)/comments$")
EDIT = re.compile(r"^(?P<api>/api/v1)?/repos/(?P<repo>[^/]+/[^/]+)/issues/comments/(?P<id>\d+)$")


class Forge:
    def __init__(self, log, seed, read_only):
        self.log = log
        self.read_only = read_only
        self.next_id = 1000
        self.comments = []  # dicts: id, pr, body
        for i in range(seed):
            self.add("7", f"comment {i} by a reviewer")

    def add(self, pr, body):
        self.next_id += 1
        comment = {"id": self.next_id, "pr": pr, "body": body, "user": {"id": 1, "login": "someone"}}
        self.comments.append(comment)
        return comment


class Handler(BaseHTTPRequestHandler):
    forge: Forge

    def log_message(self, *args):
        pass

    def record(self, body):
        entry = {
            "method": self.command,
            "path": self.path,
            "authorization": self.headers.get("Authorization"),
            "accept": self.headers.get("Accept"),
            "body": body,
        }
        with open(self.forge.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def reply(self, status, value=None):
        data = b"" if value is None else json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            return json.loads(raw)
        except ValueError:
            return {"unparsed": raw.decode("utf-8", "replace")}

    def public(self, c):
        return {k: v for k, v in c.items() if k != "pr"}

    def do_GET(self):
        self.record(None)
        url = urlsplit(self.path)
        m = LIST.match(url.path)
        if not m:
            return self.reply(404, {"message": "Not Found"})
        mine = [self.public(c) for c in self.forge.comments if c["pr"] == m["pr"]]
        if not m["api"]:
            q = parse_qs(url.query)
            per_page = min(int(q.get("per_page", ["30"])[0]), 100)
            page = int(q.get("page", ["1"])[0])
            mine = mine[(page - 1) * per_page : page * per_page]
        self.reply(200, mine)

    def writable(self):
        token = (self.headers.get("Authorization") or "").split(" ", 1)[-1]
        if token == self.forge.read_only:
            self.reply(403, {"message": "Resource not accessible by integration"})
            return False
        return True

    def do_POST(self):
        body = self.read_json()
        self.record(body)
        m = LIST.match(urlsplit(self.path).path)
        if not m:
            return self.reply(404, {"message": "Not Found"})
        if self.writable():
            self.reply(201, self.public(self.forge.add(m["pr"], body.get("body", ""))))

    def do_PATCH(self):
        body = self.read_json()
        self.record(body)
        m = EDIT.match(urlsplit(self.path).path)
        found = [c for c in self.forge.comments if m and str(c["id"]) == m["id"]]
        if not found:
            return self.reply(404, {"message": "Not Found"})
        if self.writable():
            found[0]["body"] = body.get("body", "")
            self.reply(200, self.public(found[0]))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("log")
    p.add_argument("port_file")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--read-only", default="")
    args = p.parse_args()
    Handler.forge = Forge(args.log, args.seed, args.read_only)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    # Renamed once written: the test never reads half a port number.
    import os
    os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
