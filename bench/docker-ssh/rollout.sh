#!/usr/bin/env bash
# The benchmark's rolling update done with the docker CLI over SSH (scripts/bench rollout):
#
#   bench/docker-ssh/rollout.sh IMAGE "lab1" "lab2 lab3" "lab4"
#
# Each argument after IMAGE is a batch: its hosts are replaced at once, and the next batch
# starts when every host of this one reports the new container healthy. On each host:
# pull, stop and remove the old web container, run the new one as the lab runs it, then
# poll `docker inspect` every 0.5 s until Docker says healthy (60 s at most). docker runs
# `ssh HOST docker system dial-stdio` for every command: give it an ssh with
# ControlMaster/ControlPersist (scripts/bench does) so that commands share a connection.
set -euo pipefail

image=$1
shift

replace() {
    local host=$1 status deadline
    local -a docker=(docker -H "ssh://$host")
    "${docker[@]}" pull -q "$image" >/dev/null
    "${docker[@]}" stop web >/dev/null
    "${docker[@]}" rm web >/dev/null
    "${docker[@]}" run -d --name web --network host --restart unless-stopped \
        -v web-data:/data "$image" >/dev/null
    deadline=$((SECONDS + 60))
    while :; do
        status=$("${docker[@]}" inspect -f '{{.State.Health.Status}}' web)
        [ "$status" = healthy ] && return 0
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "$host: web is $status after 60 s" >&2
            return 1
        fi
        sleep 0.5
    done
}

for batch in "$@"; do
    pids=()
    for host in $batch; do
        replace "$host" &
        pids+=("$!")
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
done
