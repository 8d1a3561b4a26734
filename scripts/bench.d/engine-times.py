#!/usr/bin/python3
"""engine-times.py DIR BATCH...: the engines' own time for one rolling update.

DIR holds HOST.events for every host: `docker events --format '{{json .}}'` of that host's
engine over the update. Each BATCH is a space-separated list of hosts. On each host, the
replaced container is one that existed before (it has no create event) and the new one
was created during the update. The engine's time on a host runs from the old container's
first stop request (its first kill event; its die event when it was never signalled) to
the new container's first `health_status: healthy`. A batch's engine time is that of its
slowest host. Prints:

  host HOST ENGINE_S STOP->DIE_S DIE->START_S START->HEALTHY_S  (per host)
  batch N ENGINE_S                                              (per batch)
  total ENGINE_S                                                (sum over batches)
"""
import json
import os
import sys


def host_times(path):
    created, first = set(), {}
    events = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            e = json.loads(line)
            if e.get("Type") != "container":
                continue
            events.append(e)
    events.sort(key=lambda e: e["timeNano"])
    for e in events:
        if e["Action"] == "create":
            created.add(e["Actor"]["ID"])
    for e in events:
        cid, action, t = e["Actor"]["ID"], e["Action"], e["timeNano"] / 1e9
        side = "new" if cid in created else "old"
        key = (side, action)
        first.setdefault(key, t)
    stop = first.get(("old", "kill"), first.get(("old", "die")))
    die = first.get(("old", "die"))
    start = first.get(("new", "start"))
    healthy = first.get(("new", "health_status: healthy"))
    if None in (stop, die, start, healthy):
        raise SystemExit("%s: missing events (stop %s, die %s, start %s, healthy %s)" % (path, stop, die, start, healthy))
    return stop, die, start, healthy


def main():
    directory, batches = sys.argv[1], [b.split() for b in sys.argv[2:]]
    total = 0.0
    for n, batch in enumerate(batches, 1):
        slowest = 0.0
        for host in batch:
            stop, die, start, healthy = host_times(os.path.join(directory, host + ".events"))
            engine = healthy - stop
            print("host %s %.3f %.3f %.3f %.3f" % (host, engine, die - stop, start - die, healthy - start))
            slowest = max(slowest, engine)
        print("batch %d %.3f" % (n, slowest))
        total += slowest
    print("total %.3f" % total)


main()
