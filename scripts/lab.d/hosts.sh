# shellcheck shell=bash
# A lab host: a network namespace with its own OpenSSH server (user molt-lab, key only)
# and its own Docker engine (dockerd over a containerd of its own, both started inside
# the namespace, so host-network containers share the host's address and loopback).

# The SSH user: a system account with a clean, empty home (no shell start-up files to slow
# every remote command), not locked (sshd without PAM refuses locked accounts, even for
# keys) yet with no password that could ever match.
user_create() {
    local home=$LAB_DATA/home existing
    if existing=$(getent passwd "$LAB_USER"); then
        [ "$(cut -d: -f6 <<<"$existing")" = "$home" ] ||
            die "a user $LAB_USER already exists with another home ($(cut -d: -f6 <<<"$existing")): it is not the lab's, remove or rename it first"
    else
        useradd --system --home-dir "$home" --shell /bin/sh --user-group "$LAB_USER"
    fi
    usermod -p '*' "$LAB_USER"
    rm -rf "$home"
    install -d -m 755 -o "$LAB_USER" -g "$LAB_USER" "$home"
}

user_remove() {
    local entry
    entry=$(getent passwd "$LAB_USER") || return 0
    if [ "$(cut -d: -f6 <<<"$entry")" != "$LAB_DATA/home" ]; then
        warn "user $LAB_USER has a home outside the lab: left alone"
        return 0
    fi
    userdel "$LAB_USER" 2>/dev/null || warn "could not remove user $LAB_USER (still running processes?)"
    if getent group "$LAB_USER" >/dev/null; then
        groupdel "$LAB_USER" 2>/dev/null || true
    fi
}

# Writes host I's configuration and starts its sshd, containerd and dockerd. Runs as a
# parallel job; returns when the engine answers and sshd accepts connections.
host_start() {
    local i=$1
    LAB_TAG=$(host_name "$i")
    host_configure "$i"
    if host_has_small_disk "$i"; then host_disk_create "$i"; fi
    host_sshd_start "$i"
    host_containerd_start "$i"
    host_dockerd_start "$i"
    host_wait_sshd "$i"
    say "engine $(hdocker "$i" version -f '{{.Server.Version}}') and sshd (ports ${LAB_SSH_PORTS// /, }) up at $(host_addr "$i")"
}

host_configure() {
    local i=$1 data run ns addr port
    data=$(host_data "$i") run=$(host_run "$i") ns=$(host_ns "$i") addr=$(host_addr "$i")
    install -d -m 755 "$data" "$run"

    # One host key, ed25519: the known_hosts files then hold exactly one key per host.
    rm -f "$data/ssh_host_ed25519_key" "$data/ssh_host_ed25519_key.pub"
    ssh-keygen -q -t ed25519 -N '' -C "root@$(host_name "$i")" -f "$data/ssh_host_ed25519_key"
    # docker -H ssh:// runs `docker system dial-stdio` on the host, and molt's sessions
    # see the same variable: point both at this host's engine.
    printf 'environment="DOCKER_HOST=unix://%s" %s\n' "$(host_socket "$i")" "$(cat "$LAB_KEY.pub")" \
        >"$data/authorized_keys"
    chmod 644 "$data/authorized_keys"
    {
        printf '# sshd of lab host %s (scripts/lab), run in network namespace %s.\n' "$(host_name "$i")" "$ns"
        for port in $LAB_SSH_PORTS; do printf 'ListenAddress %s:%s\n' "$addr" "$port"; done
        lab_sshd_options "$data/ssh_host_ed25519_key" "$run/sshd.pid" "$data/authorized_keys" 100:30:200
    } >"$data/sshd_config"
    cat >"$data/containerd.toml" <<EOF
# containerd of lab host $(host_name "$i") (scripts/lab), used by its dockerd only.
version = 2
root = "$data/containerd"
state = "$run/containerd"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]
[grpc]
  address = "$run/containerd.sock"
[ttrpc]
  address = "$run/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$data/containerd/opt"
EOF
    # Our own daemon.json, so that /etc/docker/daemon.json (the system engine's) never
    # applies; and our own engine key, so that dockerd does not write /etc/docker/key.json.
    printf '{\n  "deprecated-key-path": "%s/key.json"\n}\n' "$data" >"$data/daemon.json"
}

host_sshd_start() {
    local i=$1 data run
    data=$(host_data "$i") run=$(host_run "$i")
    install -d -m 755 /run/sshd # sshd's privilege separation directory (Debian's own path)
    spawn "$data/sshd.log" "$run/sshd.pid" \
        nsenter --net="/var/run/netns/$(host_ns "$i")" /usr/sbin/sshd -D -f "$data/sshd_config" -E "$data/sshd.log"
}

# Every port of host I's sshd accepts a TCP connection.
host_sshd_listening() {
    local addr port
    addr=$(host_addr "$1")
    for port in $LAB_SSH_PORTS; do
        # shellcheck disable=SC2016 # $0 and $1 are the inner shell's
        timeout 2 bash -c ': >"/dev/tcp/$0/$1"' "$addr" "$port" 2>/dev/null || return 1
    done
}

host_wait_sshd() {
    local i=$1
    if ! wait_for 20 "sshd" host_sshd_listening "$i"; then
        show_log "$(host_data "$i")/sshd.log"
        exit 1
    fi
}

host_containerd_start() {
    local i=$1 data run
    data=$(host_data "$i") run=$(host_run "$i")
    # dockerd would use a system containerd if one runs (/run/containerd/containerd.sock),
    # and its containers would then live in the root namespace: give it one of its own.
    rm -f "$run/containerd.sock"
    spawn "$data/containerd.log" "$run/containerd.pid" \
        nsenter --net="/var/run/netns/$(host_ns "$i")" containerd --config "$data/containerd.toml"
    if ! wait_for 20 "containerd" test -S "$run/containerd.sock"; then
        show_log "$data/containerd.log"
        exit 1
    fi
}

# dockerd runs in the host's network namespace only (nsenter --net): `ip netns exec` would
# also remount /sys, and dockerd would then find no cgroup hierarchies.
host_dockerd_start() {
    local i=$1 data run ns
    data=$(host_data "$i") run=$(host_run "$i") ns=$(host_ns "$i")
    spawn "$data/dockerd.log" "$run/dockerd.pid" \
        nsenter --net="/var/run/netns/$ns" dockerd \
        --config-file "$data/daemon.json" \
        --containerd "$run/containerd.sock" \
        --data-root "$data/docker" \
        --exec-root "$run/x" \
        -H "unix://$(host_socket "$i")" \
        --pidfile "$run/docker.pid" \
        --group "$LAB_USER" \
        --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
        --insecure-registry "$LAB_NET.0/24" \
        --exec-opt native.cgroupdriver=cgroupfs \
        --cgroup-parent "/$ns" \
        --shutdown-timeout 10
    if ! wait_for 60 "dockerd" hdocker "$i" version; then
        show_log "$data/dockerd.log"
        exit 1
    fi
}

# Stops host I's dockerd (it stops its containers first; containerd keeps running), and
# unmounts what it leaves behind.
host_dockerd_stop() {
    local i=$1 run pid
    run=$(host_run "$i")
    for pid in $(read_pid "$run/dockerd.pid") $(read_pid "$run/docker.pid"); do
        stop_pid "$pid" "$(host_socket "$i")" dockerd 30
    done
    rm -f "$run/dockerd.pid" "$run/docker.pid"
    unmount_under "$run/x"
}

host_dockerd_alive() {
    pid_alive "$(read_pid "$(host_run "$1")/dockerd.pid")" "$(host_socket "$1")"
}
host_containerd_alive() {
    pid_alive "$(read_pid "$(host_run "$1")/containerd.pid")" "$(host_data "$1")/containerd.toml"
}
host_sshd_alive() {
    pid_alive "$(read_pid "$(host_run "$1")/sshd.pid")" "$(host_data "$1")/sshd_config"
}

# Restarts whatever of host I's daemons is not running (after stop-docker, a crash, …)
# and plugs it back in. Says what it did; silent when nothing was needed.
host_repair() {
    local i=$1
    local -a fixed=()
    LAB_TAG=$(host_name "$i")
    if ip -n "$LAB_SWITCH_NS" link show "$(host_link "$i")" 2>/dev/null | grep -q 'state DOWN'; then
        ip -n "$LAB_SWITCH_NS" link set "$(host_link "$i")" up
        fixed+=("plugged in")
    fi
    if host_throttled "$i" >/dev/null; then
        host_unthrottle "$i"
        fixed+=("pulls at full speed")
    fi
    if host_disk_unfill "$i"; then
        fixed+=("data root unfilled")
    fi
    if ! host_sshd_alive "$i"; then
        host_sshd_start "$i"
        fixed+=(sshd)
    fi
    if ! host_containerd_alive "$i"; then
        host_dockerd_stop "$i"
        host_kill_containers "$i"
        host_containerd_start "$i"
        fixed+=(containerd)
    fi
    if ! host_dockerd_alive "$i"; then
        host_dockerd_stop "$i"
        host_dockerd_start "$i"
        fixed+=(dockerd)
    fi
    host_wait_sshd "$i"
    if [ "${#fixed[@]}" -gt 0 ]; then say "repaired: ${fixed[*]}"; fi
}

# Stops everything host I runs, whatever state it is in, and removes what its daemons
# leave behind: container processes, mounts, cgroups. Processes are found only through
# the PIDs the lab recorded (or that its containerd recorded) and the host's own cgroups.
host_stop() {
    local i=$1 data run pid
    LAB_TAG=$(host_name "$i")
    data=$(host_data "$i") run=$(host_run "$i")

    # dockerd stops its containers itself when asked to.
    host_dockerd_stop "$i"
    host_kill_containers "$i"
    stop_pid "$(read_pid "$run/containerd.pid")" "$data/containerd.toml" containerd 10

    pid=$(read_pid "$run/sshd.pid")
    if pid_alive "$pid" "$data/sshd_config"; then
        local -a sessions
        mapfile -t sessions < <(descendants "$pid")
        stop_pid "$pid" "$data/sshd_config" sshd 5
        for pid in "${sessions[@]}"; do
            kill -KILL "$pid" 2>/dev/null || true
        done
    fi

    host_disk_remove "$i"
    unmount_under "$run" "$data"
    remove_cgroups "$(host_ns "$i")"
}

# Container processes a dead or killed dockerd left running: each task's init process
# (recorded by containerd in its state directory, and in this host's cgroup) and the
# shim above it, then anything else still in the host's cgroups.
host_kill_containers() {
    local i=$1 run ns task init shim address
    run=$(host_run "$i") ns=$(host_ns "$i")
    for task in "$run"/containerd/io.containerd.runtime.v2.task/*/*/; do
        [ -d "$task" ] || continue
        init=$(read_pid "$task/init.pid")
        shim=""
        if pid_alive "$init" && grep -q ":/$ns/" "/proc/$init/cgroup" 2>/dev/null; then
            shim=$(awk '/^PPid:/ { print $2 }' "/proc/$init/status" 2>/dev/null || true)
            thaw_cgroups "$ns"
            kill -KILL "$init" 2>/dev/null || true
        fi
        if [ -n "$shim" ] && pid_alive "$shim" "-id $(basename "$task")"; then
            kill -KILL "$shim" 2>/dev/null || true
        fi
        # The shim's socket lives in containerd's shared directory; remove ours only.
        address=$(cat "$task/address" 2>/dev/null || true)
        address=${address#unix://}
        if [[ $address == /run/containerd/s/* ]] && [ -S "$address" ] && ! pid_alive "$shim"; then
            rm -f "$address"
        fi
    done
    local procs pid
    for procs in $(cgroup_dirs "$ns" | sed 's|$|/cgroup.procs|'); do
        [ -r "$procs" ] || continue
        thaw_cgroups "$ns"
        while read -r pid; do
            kill -KILL "$pid" 2>/dev/null || true
        done <"$procs"
    done
}

# Every cgroup directory at or below NAME in every hierarchy (cgroup v1 and v2).
cgroup_dirs() {
    local name=$1 top
    for top in /sys/fs/cgroup/"$name" /sys/fs/cgroup/*/"$name"; do
        [ -d "$top" ] && find "$top" -depth -type d
    done
    return 0
}

# Frozen (paused) processes cannot die: thaw them first.
thaw_cgroups() {
    local dir
    for dir in $(cgroup_dirs "$1"); do
        if [ -w "$dir/freezer.state" ]; then { echo THAWED >"$dir/freezer.state"; } 2>/dev/null || true; fi
        if [ -w "$dir/cgroup.freeze" ]; then { echo 0 >"$dir/cgroup.freeze"; } 2>/dev/null || true; fi
    done
    return 0
}

remove_cgroups() {
    local dir
    for dir in $(cgroup_dirs "$1"); do
        rmdir "$dir" 2>/dev/null || warn "could not remove cgroup $dir"
    done
}

# Unmounts every mount point at or below the given directories, deepest first (dockerd
# leaves its netns/default nsfs mount, overlay mounts, shm mounts and a bind mount of its
# data root when it dies).
unmount_under() {
    local dir mnt
    for _ in 1 2 3; do
        local -a mounts=()
        for dir in "$@"; do
            mapfile -t -O "${#mounts[@]}" mounts < <(awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo)
        done
        [ "${#mounts[@]}" -gt 0 ] || return 0
        for mnt in $(printf '%s\n' "${mounts[@]}" | sort -ru); do
            umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
        done
    done
    for dir in "$@"; do
        if awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
            warn "mounts remain under $dir"
        fi
    done
}

# The lab host numbers that exist in any form: state directories or namespaces.
lab_host_numbers() {
    {
        for dir in "$LAB_RUN"/lab* "$LAB_DATA"/lab*; do
            [ -d "$dir" ] && basename "$dir"
        done
        lab_namespaces
    } | sed -nE 's/^(moltlab-)?lab([0-9]+)$/\2/p' | sort -nu
}
