# shellcheck shell=bash
# The lab's image registries: Debian's docker-registry (distribution 2.8) in its own network
# namespace at 10.247.213.2:5000, plain HTTP, no authentication, deletes enabled; and beside
# it at 10.247.213.2:5001 the same images behind a login (htpasswd, bcrypt), for tests of
# registry credentials. Its log has a line for every request it answers
# (one line per request).
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

registry_wait() { wait_or_show 20 "the registry at $LAB_REGISTRY" "$LAB_REGISTRY_DIR/registry.log" registry_ready; }

registry_stop() {
    stop_pid "$(read_pid "$LAB_REGISTRY_PID")" "$LAB_REGISTRY_DIR/config.yml" "the registry" 10
}

# The registry that wants a login. Its password is made at the first `up` and kept in a file
# (root only): tests read it from there (MOLT_LAB_AUTH_REGISTRY_PASSWORD_FILE).
LAB_AUTH_REGISTRY_DIR=$LAB_DATA/registry-auth
LAB_AUTH_REGISTRY_PID=$LAB_RUN/registry-auth.pid
LAB_AUTH_REGISTRY_PASSWORD_FILE=$LAB_AUTH_REGISTRY_DIR/password

# Seeds the registry with the anonymous one's images (a copy of its storage: the same
# repositories, tags and digests), writes its htpasswd and config, and starts it.
auth_registry_start() {
    mkdir -p "$LAB_AUTH_REGISTRY_DIR/storage"
    chmod 700 "$LAB_AUTH_REGISTRY_DIR"
    if [ ! -s "$LAB_AUTH_REGISTRY_PASSWORD_FILE" ]; then
        (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=\n' >"$LAB_AUTH_REGISTRY_PASSWORD_FILE")
    fi
    htpasswd -iBc "$LAB_AUTH_REGISTRY_DIR/htpasswd" "$LAB_AUTH_REGISTRY_USER" \
        <"$LAB_AUTH_REGISTRY_PASSWORD_FILE" 2>/dev/null
    if [ -d "$LAB_REGISTRY_DIR/storage/docker" ] && [ ! -d "$LAB_AUTH_REGISTRY_DIR/storage/docker" ]; then
        cp -a "$LAB_REGISTRY_DIR/storage/docker" "$LAB_AUTH_REGISTRY_DIR/storage/"
    fi
    cat >"$LAB_AUTH_REGISTRY_DIR/config.yml" <<EOF
# The molt lab's registry with a login (scripts/lab): the example images, for user
# $LAB_AUTH_REGISTRY_USER only. Plain HTTP: reachable only from this machine and the lab hosts.
version: 0.1
log:
  level: info
  fields:
    service: molt-lab-registry-auth
storage:
  filesystem:
    rootdirectory: $LAB_AUTH_REGISTRY_DIR/storage
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
auth:
  htpasswd:
    realm: molt-lab
    path: $LAB_AUTH_REGISTRY_DIR/htpasswd
http:
  addr: $LAB_AUTH_REGISTRY
  secret: molt-lab-registry-auth
  headers:
    X-Content-Type-Options: [nosniff]
EOF
    spawn "$LAB_AUTH_REGISTRY_DIR/registry.log" "$LAB_AUTH_REGISTRY_PID" \
        nsenter --net="/var/run/netns/$LAB_REGISTRY_NS" \
        docker-registry serve "$LAB_AUTH_REGISTRY_DIR/config.yml"
}

# Answers with the login, and only with it.
auth_registry_ready() {
    local password
    password=$(cat "$LAB_AUTH_REGISTRY_PASSWORD_FILE")
    http_get "http://$LAB_AUTH_REGISTRY_USER:$password@$LAB_AUTH_REGISTRY/v2/" >/dev/null &&
        ! http_get "http://$LAB_AUTH_REGISTRY/v2/" >/dev/null 2>&1
}

auth_registry_wait() { wait_or_show 20 "the registry at $LAB_AUTH_REGISTRY" "$LAB_AUTH_REGISTRY_DIR/registry.log" auth_registry_ready; }

auth_registry_alive() { pid_alive "$(read_pid "$LAB_AUTH_REGISTRY_PID")" "$LAB_AUTH_REGISTRY_DIR/config.yml"; }

auth_registry_stop() {
    stop_pid "$(read_pid "$LAB_AUTH_REGISTRY_PID")" "$LAB_AUTH_REGISTRY_DIR/config.yml" "the registry with a login" 10
}
