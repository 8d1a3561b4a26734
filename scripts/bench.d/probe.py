#!/usr/bin/python3
"""probe.py PORT OUT [PATH]: GET http://127.0.0.1:PORT/health every 20 ms until SIGTERM, then
write to OUT one line: probes, failed probes, and each outage as START,END (Unix seconds; an
outage runs from the first failed probe to the next answered one). scripts/bench runs one
per lab host inside the host's network namespace (nsenter --net), where the service
listens, and reads OUT for the downtime a client of that host saw.

A probe is one new connection with a 0.2 s deadline for connect and answer, never retried;
it fails unless the answer is 200. With PATH (such as /version), each probe GETs PATH instead,
reads the whole answer, and OUT gets a second line saying who answered: for each distinct
body (the release, for /version), in order of first answer, BODY:COUNT:FIRST,LAST."""
import signal
import socket
import sys
import time

port, out = int(sys.argv[1]), sys.argv[2]
path = sys.argv[3] if len(sys.argv) > 3 else None
INTERVAL = 0.02
DEADLINE = 0.2
stopping = False


def stop(_signum, _frame):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)


def status_ok(head):
    return head.startswith(b"HTTP/1.") and head.split(b" ", 2)[1:2] == [b"200"]


def answered():
    """True when /health answered 200 (the status line alone is read)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as s:
            s.settimeout(DEADLINE)
            s.sendall(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            head = b""
            while b"\r\n" not in head and len(head) < 64:
                chunk = s.recv(64)
                if not chunk:
                    break
                head += chunk
            return status_ok(head)
    except OSError:
        return False


def body_of():
    """The body of a 200 answer to GET PATH (read to the end, within the deadline), or None."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as s:
            s.settimeout(DEADLINE)
            s.sendall(b"GET " + path.encode() + b" HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            answer = b""
            while len(answer) < 4096:
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
    except OSError:
        return None
    head, _, body = answer.partition(b"\r\n\r\n")
    if not status_ok(head):
        return None
    text = body.decode("utf-8", "replace").strip().replace(" ", "_").replace(":", "_")
    return text or "-"


probes = failed = 0
outages = []
down_since = None
bodies = {}  # body -> [count, first, last], in order of first answer
next_at = time.monotonic()
while not stopping:
    at = time.time()
    if path is None:
        ok = answered()
    else:
        body = body_of()
        ok = body is not None
        if ok:
            seen = bodies.setdefault(body[:40], [0, at, at])
            seen[0] += 1
            seen[2] = at
    probes += 1
    if not ok:
        failed += 1
        if down_since is None:
            down_since = at
    elif down_since is not None:
        outages.append((down_since, at))
        down_since = None
    next_at += INTERVAL
    delay = next_at - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    else:
        next_at = time.monotonic()
if down_since is not None:
    outages.append((down_since, time.time()))
with open(out, "w") as f:
    f.write("%d %d %s\n" % (probes, failed, " ".join("%.3f,%.3f" % o for o in outages)))
    if path is not None:
        f.write(" ".join("%s:%d:%.3f,%.3f" % (b, c, first, last) for b, (c, first, last) in bodies.items()) + "\n")
