#!/usr/bin/python3
"""probe.py PORT OUT: GET http://127.0.0.1:PORT/health every 20 ms until SIGTERM, then write
to OUT one line: probes, failed probes, and each outage as START,END (Unix seconds; an
outage runs from the first failed probe to the next answered one). scripts/bench runs one
per lab host inside the host's network namespace (nsenter --net), where the web service
listens, and reads OUT for the downtime a client of that host saw."""
import signal
import socket
import sys
import time

port, out = int(sys.argv[1]), sys.argv[2]
INTERVAL = 0.02
stopping = False


def stop(_signum, _frame):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)


def answered():
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            s.settimeout(0.2)
            s.sendall(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            head = b""
            while b"\r\n" not in head and len(head) < 64:
                chunk = s.recv(64)
                if not chunk:
                    break
                head += chunk
            return head.startswith(b"HTTP/1.") and head.split(b" ", 2)[1:2] == [b"200"]
    except OSError:
        return False


probes = failed = 0
outages = []
down_since = None
next_at = time.monotonic()
while not stopping:
    at = time.time()
    ok = answered()
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
