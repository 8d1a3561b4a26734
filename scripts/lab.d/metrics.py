"""The molt lab's metric source: a few lines of a real HTTP server answering Prometheus's
instant-query API (GET /api/v1/query?query=NAME) with values a test flips by writing files.

The value of NAME is the text of VALUES/NAME (written by `scripts/lab metrics set NAME VALUE`).
A name with no file answers as Prometheus does for a query that matches no series: success,
with an empty result. GET /value/NAME answers the bare value as text/plain (404 when unset),
GET /-/healthy answers "ok". Every request answered is a line in LOG.

Started by scripts/lab (lab.d/metrics.sh) with Debian's python3; nothing but the standard
library.
"""

import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

NAME = re.compile(r"^[A-Za-z_:][A-Za-z0-9_:.-]{0,199}$")


def main():
    address, port, values, log_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    log = open(log_path, "a", buffering=1)
    log_lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        server_version = "molt-lab-metrics/1"

        def do_GET(self):
            parts = urlsplit(self.path)
            if parts.path == "/api/v1/query":
                names = parse_qs(parts.query).get("query", [])
                if len(names) != 1 or not NAME.match(names[0]):
                    shown = names[0] if names else ""
                    self.reply(400, "application/json", json.dumps({
                        "status": "error", "errorType": "bad_data",
                        "error": "the lab's metric source answers only a metric name, not %r" % shown}))
                    return
                value = self.value(names[0])
                result = [] if value is None else [{"metric": {"__name__": names[0]}, "value": [round(time.time(), 3), value]}]
                self.reply(200, "application/json", json.dumps(
                    {"status": "success", "data": {"resultType": "vector", "result": result}}))
            elif parts.path.startswith("/value/"):
                name = unquote(parts.path[len("/value/"):])
                value = self.value(name) if NAME.match(name) else None
                if value is None:
                    self.reply(404, "text/plain", "no value for %s\n" % name)
                else:
                    self.reply(200, "text/plain", value + "\n")
            elif parts.path == "/-/healthy":
                self.reply(200, "text/plain", "ok\n")
            else:
                self.reply(404, "text/plain", "not found: try /api/v1/query?query=NAME\n")

        def value(self, name):
            try:
                with open(os.path.join(values, name)) as file:
                    return file.read().strip()
            except FileNotFoundError:
                return None

        def reply(self, status, content_type, text):
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            with log_lock:
                log.write("%.3f %s GET %s %d\n" % (time.time(), self.client_address[0], self.path, status))

        def log_message(self, format, *args):
            pass  # requests go to LOG, one line each, in reply()

    server = ThreadingHTTPServer((address, port), Handler)
    server.daemon_threads = True
    print("molt-lab-metrics listening on http://%s:%d, values in %s" % (address, port, values), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
