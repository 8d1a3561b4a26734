# shellcheck shell=bash
# The lab's image registry: Debian's docker-registry (distribution 2.8) in its own network
# namespace at 10.247.213.2:5000, plain HTTP, no authentication, deletes enabled.
# Its own namespace because the docker-registry package runs a system registry on :5000
# of every address, which a registry in the root namespace would clash with.

LAB_REGISTRY_DIR=$LAB_DATA/registry
LAB_REGISTRY_PID=$LAB_RUN/registry.pid

registry_start() {
    mkdir -p "$LAB_REGISTRY_DIR/storage"
    cat >"$LAB_REGISTRY_DIR/config.yml" <<EOF
# The molt lab's registry (scripts/lab). Plain HTTP, no auth: it is reachable only
# from this machine and the lab hosts.
version: 0.1
log:
  level: info
  fields:
    service: molt-lab-registry
storage:
  filesystem:
    rootdirectory: $LAB_REGISTRY_DIR/storage
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $LAB_REGISTRY
  secret: molt-lab-registry
  headers:
    X-Content-Type-Options: [nosniff]
EOF
    # Small send buffers: what the registry has handed to the kernel is little, so a pull
    # that `throttle` slows stops soon after the registry goes away (the kernel would
    # otherwise go on sending megabytes of a dead registry's blob).
    # (/proc/sys/net is the namespace's own for a process inside it; no sysctl(8) needed.)
    # shellcheck disable=SC2016 # the inner shell expands nothing
    in_ns "$LAB_REGISTRY_NS" sh -c 'echo "4096 16384 65536" >/proc/sys/net/ipv4/tcp_wmem'
    spawn "$LAB_REGISTRY_DIR/registry.log" "$LAB_REGISTRY_PID" \
        nsenter --net="/var/run/netns/$LAB_REGISTRY_NS" \
        docker-registry serve "$LAB_REGISTRY_DIR/config.yml"
}

registry_ready() { http_get "http://$LAB_REGISTRY/v2/" >/dev/null; }

registry_wait() {
    if ! wait_for 20 "the registry at $LAB_REGISTRY" registry_ready; then
        show_log "$LAB_REGISTRY_DIR/registry.log"
        exit 1
    fi
}

registry_stop() {
    stop_pid "$(read_pid "$LAB_REGISTRY_PID")" "$LAB_REGISTRY_DIR/config.yml" "the registry" 10
}
