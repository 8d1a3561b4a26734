#!/usr/bin/python3
"""canary-pull.py DIR LOG HOST: how long the canary's pull took in one molt rollout.

LOG is molt's `--output json` events; DIR/HOST.events is `docker events` of HOST's engine,
image pulls included. The pull runs from molt's `pulling` step on HOST (its time is molt's
request) to the engine's `pull` event of that image (Docker done). Prints seconds, or
nothing when either is missing.
"""
import json
import sys
from datetime import datetime


def main(directory, log, host):
    asked = None
    with open(log) as f:
        for line in f:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if (event.get("event") == "host.step" and event.get("host") == host
                    and str(event.get("message", "")).startswith("pulling ")):
                asked = datetime.strptime(event["time"].replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
                break
    done = None
    with open(f"{directory}/{host}.events") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            event = json.loads(line)
            if event.get("Type") == "image" and event.get("Action") == "pull" and asked is not None:
                moment = event["timeNano"] / 1e9
                if moment >= asked:
                    done = moment
                    break
    if asked is not None and done is not None:
        print(f"{done - asked:.3f}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
