#!/usr/bin/python3
"""switch-times.py DIR SERVICE OLD NEW HOST...: how one service changed hands on each host.

DIR holds, per host, HOST.events (`docker events --format '{{json .}}'` of that host's engine
over one rollout) and HOST.probe (scripts/bench.d/probe.py with a PATH: line 1 probes, failed
probes, outages; line 2 who answered, BODY:COUNT:FIRST,LAST). The old container is SERVICE's
container that existed before the rollout (no create event; named SERVICE or
SERVICE.molt-prev), the new one was created during it (molt's SERVICE.molt-next). OLD and NEW
are the releases their /version answers. Prints per host:

  host HOST PROBES FAILED LONGEST_OUTAGE_S OLD_ANSWERS NEW_ANSWERS BOTH_S LAST_OLD_AFTER_KILL_S
       NEW_START->HEALTHY_S NEW_HEALTHY->OLD_KILL_S OLD_KILL->DIE_S

BOTH_S: from the new release's first answer to the old one's last (negative: a gap, nobody
answered between them). LAST_OLD_AFTER_KILL_S: the old release's last answer after the old
container was sent its stop signal (its kill event). "-" where an event or answer is missing.
"""
import json
import os
import sys


def events_of(path, service):
    events = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                e = json.loads(line)
                if e.get("Type") == "container":
                    events.append(e)
    events.sort(key=lambda e: e["timeNano"])
    created = {e["Actor"]["ID"] for e in events if e["Action"] == "create"}
    first = {}
    for e in events:
        name = e["Actor"].get("Attributes", {}).get("name", "")
        if name not in (service, service + ".molt-prev", service + ".molt-next"):
            continue
        side = "new" if e["Actor"]["ID"] in created else "old"
        first.setdefault((side, e["Action"]), e["timeNano"] / 1e9)
    return first


def probe_of(path):
    with open(path) as f:
        lines = f.read().splitlines()
    fields = lines[0].split()
    probes, failed = int(fields[0]), int(fields[1])
    longest = 0.0
    for outage in fields[2:]:
        start, end = (float(t) for t in outage.split(","))
        longest = max(longest, end - start)
    answers = {}
    for item in (lines[1].split() if len(lines) > 1 else []):
        body, count, span = item.rsplit(":", 2)
        first, last = (float(t) for t in span.split(","))
        answers[body] = (int(count), first, last)
    return probes, failed, longest, answers


def fmt(value):
    return "-" if value is None else "%.3f" % value


def diff(a, b):
    return None if a is None or b is None else b - a


def main():
    directory, service, old, new, hosts = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
    for host in hosts:
        first = events_of(os.path.join(directory, host + ".events"), service)
        probes, failed, longest, answers = probe_of(os.path.join(directory, host + ".probe"))
        old_count, _, old_last = answers.get(old, (0, None, None))
        new_count, new_first, _ = answers.get(new, (0, None, None))
        kill = first.get(("old", "kill"), first.get(("old", "die")))
        print("host %s %d %d %.3f %d %d %s %s %s %s %s" % (
            host, probes, failed, longest, old_count, new_count,
            fmt(diff(new_first, old_last)), fmt(diff(kill, old_last)),
            fmt(diff(first.get(("new", "start")), first.get(("new", "health_status: healthy")))),
            fmt(diff(first.get(("new", "health_status: healthy")), kill)),
            fmt(diff(kill, first.get(("old", "die"))))))


main()
