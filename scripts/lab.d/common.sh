# shellcheck shell=bash
# Names, addresses and small helpers shared by every part of scripts/lab.
#
# Everything the lab creates carries a distinctive name (molt-lab, moltlab-…) and lives
# under two directories, so `down` can find all of it and never touches anything else.

LAB_DATA=/var/lib/molt-lab          # keys, configs, logs, docker data roots, registry storage
LAB_RUN=/run/molt-lab               # sockets, pid files, exec roots (socket paths stay short)
LAB_USER=molt-lab                   # the SSH user on every lab host
LAB_NET=10.247.213                  # the lab's private /24
LAB_GATEWAY=$LAB_NET.1              # this machine's address on the lab network
LAB_REGISTRY_ADDR=$LAB_NET.2
LAB_REGISTRY=$LAB_REGISTRY_ADDR:5000
LAB_IMAGE_PREFIX=$LAB_REGISTRY/molt-lab
# A second registry on the same address that wants a login (htpasswd, bcrypt), holding the
# same example images: for registry credentials (credential helpers, MOLT_REGISTRY_AUTH).
LAB_AUTH_REGISTRY=$LAB_REGISTRY_ADDR:5001
LAB_AUTH_REGISTRY_USER=molt-lab
LAB_ROOT_LINK=moltlab0              # this machine's end of the lab network (root namespace)
LAB_SWITCH_NS=moltlab-switch        # namespace holding the lab's bridge
LAB_BRIDGE=moltlab-br
LAB_REGISTRY_NS=moltlab-registry
LAB_MAX_HOSTS=40
LAB_DEFAULT_HOSTS=4
LAB_MARKER=$LAB_RUN/up              # written last by `up`: the names of the hosts that are up
LAB_LOCK=/run/molt-lab.lock

LAB_CLIENT=$LAB_DATA/client
LAB_KEY=$LAB_CLIENT/id_ed25519
LAB_KNOWN_HOSTS=$LAB_CLIENT/known_hosts                 # "10.247.213.11 ssh-ed25519 …"
LAB_KNOWN_HOSTS_HASHED=$LAB_CLIENT/known_hosts.hashed   # the same, hashed (ssh-keygen -H)
LAB_KNOWN_HOSTS_2222=$LAB_CLIENT/known_hosts.port2222   # "[10.247.213.11]:2222 ssh-ed25519 …"
LAB_SSH_CONFIG=$LAB_CLIENT/ssh_config
# A home directory whose .ssh/config is the lab's ssh_config, for tools that honour $HOME.
LAB_CLIENT_HOME=$LAB_CLIENT/home
# A directory to put first on PATH for `docker -H ssh://lab1`: its `ssh` uses the lab's
# config. docker runs plain `ssh`, and OpenSSH reads ~/.ssh/config from the passwd entry's
# home directory, never from $HOME, so a HOME with .ssh/config alone is not enough.
LAB_SSH_BIN=$LAB_CLIENT/bin
LAB_INVENTORY=$LAB_DATA/inventory.yml
LAB_SSH_PORTS="22 2222"             # every lab sshd listens on both

# The daemons must never reach beyond the lab through a proxy, nor report to a
# service manager that happens to have started this script.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY \
    NOTIFY_SOCKET LISTEN_FDS LISTEN_PID LISTEN_FDNAMES \
    DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac
export PATH

# Messages. A job working on one host sets LAB_TAG to the host's name to prefix them.
LAB_TAG=${LAB_TAG:-}
say() { printf '%s%s\n' "${LAB_TAG:+$LAB_TAG: }" "$*"; }
warn() { printf 'lab: %swarning: %s\n' "${LAB_TAG:+$LAB_TAG: }" "$*" >&2; }
die() { printf 'lab: %serror: %s\n' "${LAB_TAG:+$LAB_TAG: }" "$*" >&2; exit 1; }

require_root() {
    [ "$(id -u)" -eq 0 ] || die "scripts/lab $1 must run as root, or with sudo (it creates namespaces, users and daemons)"
}

now() { printf '%s' "$EPOCHREALTIME"; }
elapsed_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# Per-host names. $1 is the host's number (1, 2, …).
host_name() { printf 'lab%s' "$1"; }
host_addr() { printf '%s.%s' "$LAB_NET" "$((10 + $1))"; }
host_ns() { printf 'moltlab-lab%s' "$1"; }
host_link() { printf 'moltlab-v%s' "$1"; }
host_data() { printf '%s/lab%s' "$LAB_DATA" "$1"; }
host_run() { printf '%s/lab%s' "$LAB_RUN" "$1"; }
host_socket() { printf '%s/lab%s/docker.sock' "$LAB_RUN" "$1"; }

# docker CLI talking to host $1's engine directly through its Unix socket.
hdocker() {
    local i=$1
    shift
    docker -H "unix://$(host_socket "$i")" "$@"
}

# Run a command inside a lab namespace (only the network namespace changes: dockerd and
# friends need this machine's mounts, which `ip netns exec` would replace).
in_ns() {
    local ns=$1
    shift
    nsenter --net="/var/run/netns/$ns" "$@"
}

# An HTTP GET with BusyBox's wget (no curl needed), from the root namespace.
# (No -T: BusyBox 1.35's wget crashes with it; timeout(1) bounds the wait instead.)
http_get() { timeout 5 busybox wget -q -O - "$1"; }

# Take the lab's lock so two `up`/`down` runs never interleave.
take_lock() {
    exec 9>"$LAB_LOCK"
    if ! flock -n 9; then
        say "waiting for another scripts/lab command to finish…"
        flock -w 300 9 || die "another scripts/lab command still holds $LAB_LOCK after 5 minutes"
    fi
}

# spawn LOG PIDFILE COMMAND…: start a daemon detached from this script (own session,
# stdin from /dev/null, output to LOG, none of our other file descriptors) and record
# its PID. setsid does not fork here (the subshell is no process-group leader) and
# nsenter execs, so $! is the daemon itself.
spawn() {
    local log=$1 pidfile=$2
    shift 2
    (
        close_inherited_fds
        exec setsid "$@" </dev/null >>"$log" 2>&1
    ) &
    printf '%s\n' "$!" >"$pidfile"
}

# Closes every descriptor above 2 of the calling (sub)shell, so that a daemon started next
# holds none of ours: whoever started this script may wait until every holder of one of them
# has closed it (Foundation's Process waits so on its child's exit: a test would hang).
close_inherited_fds() {
    local fd
    for fd in /proc/"$BASHPID"/fd/*; do
        fd=${fd##*/}
        if [ "$fd" -gt 2 ]; then
            { eval "exec $fd>&-"; } 2>/dev/null || true
        fi
    done
}

# pid_alive PID [MATCH]: the process exists (not a zombie) and, when MATCH is given, its
# command line contains MATCH — so a recycled PID is never mistaken for ours.
pid_alive() {
    local pid=$1 match=${2:-} state cmdline
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [ -r "/proc/$pid/stat" ] || return 1
    state=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$pid/stat" 2>/dev/null) || return 1
    [ "$state" != Z ] || return 1
    if [ -n "$match" ]; then
        cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
        [[ $cmdline == *"$match"* ]] || return 1
    fi
    return 0
}

# read_pid FILE: the PID recorded in FILE, or nothing.
read_pid() {
    local pid=""
    [ -r "$1" ] && read -r pid <"$1" 2>/dev/null
    [[ $pid =~ ^[0-9]+$ ]] && printf '%s' "$pid"
    return 0
}

# stop_pid PID MATCH WHAT [TIMEOUT]: SIGTERM, wait up to TIMEOUT seconds, then SIGKILL.
# Only a process whose command line contains MATCH is signalled.
stop_pid() {
    local pid=$1 match=$2 what=$3 timeout=${4:-10} waited=0
    pid_alive "$pid" "$match" || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    while pid_alive "$pid" "$match"; do
        if [ "$waited" -ge $((timeout * 10)) ]; then
            warn "$what (pid $pid) did not stop within ${timeout}s: killing it"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.2
            return 0
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
}

# descendants PID: every process below PID (children first found, then theirs).
descendants() {
    local parent=$1 stat pid ppid rest
    local -a kids=()
    for stat in /proc/[0-9]*/stat; do
        read -r pid rest 2>/dev/null <"$stat" || continue
        rest=${rest##*) }
        read -r _ ppid _ <<<"$rest"
        [ "$ppid" = "$parent" ] && kids+=("$pid")
    done
    for pid in "${kids[@]}"; do
        printf '%s\n' "$pid"
        descendants "$pid"
    done
}

# wait_for SECONDS DESCRIPTION COMMAND…: retry COMMAND every 0.1 s until it succeeds.
wait_for() {
    local seconds=$1 what=$2 tries
    shift 2
    for ((tries = seconds * 10; tries > 0; tries--)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    printf 'lab: %serror: timed out after %ss waiting for %s\n' "${LAB_TAG:+$LAB_TAG: }" "$seconds" "$what" >&2
    return 1
}

# wait_or_show SECONDS WHAT LOG CHECK…: waits for CHECK as wait_for does; when it never
# passes, shows the last lines of the daemon's LOG and exits 1.
wait_or_show() {
    local seconds=$1 what=$2 log=$3
    shift 3
    if ! wait_for "$seconds" "$what" "$@"; then
        show_log "$log"
        exit 1
    fi
}

# show_log FILE: the last lines of a daemon's log, for error messages.
show_log() {
    [ -s "$1" ] || return 0
    printf -- '--- last lines of %s ---\n' "$1" >&2
    tail -n 25 "$1" >&2
    printf -- '---\n' >&2
}

# run_parallel FUNCTION ARG…: FUNCTION ARG for every ARG at once, each in a fresh
# `scripts/lab __job` process so that `set -e` holds inside it whatever context the
# caller is in; fails, after all have finished, when any of them failed.
run_parallel() {
    local fn=$1 arg k failed=0
    shift
    local -a pids=() args=()
    for arg in "$@"; do
        "$LAB_SCRIPT" __job "$fn" "$arg" &
        pids+=("$!")
        args+=("$arg")
    done
    for k in "${!pids[@]}"; do
        if ! wait "${pids[$k]}"; then
            printf 'lab: error: %s %s failed\n' "$fn" "${args[$k]}" >&2
            failed=1
        fi
    done
    return "$failed"
}

# The options every lab sshd shares (a lab host's own, and the wide lab's): keys only, the
# lab user only, forwarding to sockets and ports allowed (molt's tunnels), DOCKER_HOST from
# authorized_keys (docker -H ssh://). Arguments: host key, pid file, authorized_keys,
# MaxStartups.
lab_sshd_options() {
    cat <<EOF
HostKey $1
PidFile $2
AuthorizedKeysFile $3
AllowUsers $LAB_USER
PermitRootLogin no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes yes
PermitUserEnvironment yes
AllowStreamLocalForwarding yes
AllowTcpForwarding yes
X11Forwarding no
PrintMotd no
PrintLastLog no
UseDNS no
ClientAliveInterval 15
MaxSessions 64
MaxStartups $4
Subsystem sftp internal-sftp
EOF
}
