# shellcheck shell=bash
# The wide lab: many SSH endpoints sharing the lab's few engines, for measuring molt on
# 1,000 hosts without 1,000 Docker engines.
#
# `scripts/lab up N --wide M` adds M endpoints, wide0001..wideM, on 127.0.0.1 ports
# LAB_WIDE_BASE_PORT+1 .. LAB_WIDE_BASE_PORT+M. They are served by ceil(M/16) extra sshds
# in this machine's own namespace (LAB_WIDE_PORTS_PER_SSHD Port lines each), user molt-lab,
# each with a host key of its own. Endpoint k belongs to sshd s = ceil(k/16), which hands
# its users' direct-streamlocal channels to lab host ((s-1) mod N)+1's Docker socket (the
# inventory's docker_socket names it; DOCKER_HOST in the sshd's authorized_keys does the
# same for `docker -H ssh://`). So the wide hosts are real SSH servers in front of real
# engines; they differ from real hosts only in that every 16th-or-so of them shows the same
# containers. Rollouts on them would race each other on the shared engines: use them for
# status, plan, find and audit, never for rollout.
#
# State: $LAB_DATA/wide (configs, keys, logs) and $LAB_RUN/wide (pid files); `down` stops
# the sshds by their pid files and removes both.

LAB_WIDE_DATA=$LAB_DATA/wide
LAB_WIDE_RUN=$LAB_RUN/wide
# Above Linux's ephemeral range (32768-60999 by default): a port inside it can be taken as the
# source port of any outgoing connection between the check that it is free and sshd's bind
# (seen: "Bind to port 42358 on 127.0.0.1 failed: Address already in use" at 1,000 endpoints).
LAB_WIDE_BASE_PORT=${LAB_WIDE_BASE_PORT:-61000}
LAB_WIDE_PORTS_PER_SSHD=16
LAB_WIDE_MAX=4000
LAB_WIDE_ADDR=127.0.0.1
LAB_WIDE_COUNT_FILE=$LAB_WIDE_RUN/count                  # M and the base port, written last
LAB_WIDE_INVENTORY=$LAB_DATA/inventory-wide.yml
LAB_KNOWN_HOSTS_WIDE=$LAB_CLIENT/known_hosts.wide        # "[127.0.0.1]:61001 ssh-ed25519 …"

wide_name() { printf 'wide%04d' "$1"; }
wide_port() { printf '%s' "$((LAB_WIDE_BASE_PORT + $1))"; }
# The sshd serving endpoint K, and the lab host whose engine sshd S fronts (of N hosts).
wide_sshd_of() { printf '%s' "$((($1 - 1) / LAB_WIDE_PORTS_PER_SSHD + 1))"; }
wide_engine_of() { printf '%s' "$((($1 - 1) % $2 + 1))"; }
wide_sshd_count() { printf '%s' "$((($1 + LAB_WIDE_PORTS_PER_SSHD - 1) / LAB_WIDE_PORTS_PER_SSHD))"; }

# The wide endpoints that are up: "M BASE", or nothing.
wide_state() { cat "$LAB_WIDE_COUNT_FILE" 2>/dev/null || true; }
wide_is_up() { [ -s "$LAB_WIDE_COUNT_FILE" ]; }

wide_sshd_config() { printf '%s/sshd%s_config' "$LAB_WIDE_DATA" "$1"; }
wide_sshd_pidfile() { printf '%s/sshd%s.pid' "$LAB_WIDE_RUN" "$1"; }
wide_sshd_alive() { pid_alive "$(read_pid "$(wide_sshd_pidfile "$1")")" "$(wide_sshd_config "$1")"; }

# wide_check_ports M: every port the endpoints need is free on 127.0.0.1.
wide_check_ports() {
    local count=$1 busy
    busy=$(ss -ltnH 2>/dev/null | awk -v lo="$((LAB_WIDE_BASE_PORT + 1))" -v hi="$((LAB_WIDE_BASE_PORT + count))" '
        { n = split($4, a, ":"); p = a[n] + 0; if (p >= lo && p <= hi) print $4 }' | head -5 | paste -sd ' ' -)
    [ -z "$busy" ] ||
        die "ports $((LAB_WIDE_BASE_PORT + 1))..$((LAB_WIDE_BASE_PORT + count)) are not all free ($busy in use): set LAB_WIDE_BASE_PORT"
}

# wide_configure S M N: host key, authorized_keys and sshd_config of wide sshd S.
wide_configure() {
    local s=$1 count=$2 hosts=$3 engine first last k config
    engine=$(wide_engine_of "$s" "$hosts")
    first=$(((s - 1) * LAB_WIDE_PORTS_PER_SSHD + 1))
    last=$((s * LAB_WIDE_PORTS_PER_SSHD))
    [ "$last" -le "$count" ] || last=$count
    config=$(wide_sshd_config "$s")
    rm -f "$LAB_WIDE_DATA/sshd${s}_host_key" "$LAB_WIDE_DATA/sshd${s}_host_key.pub"
    ssh-keygen -q -t ed25519 -N '' -C "root@molt-lab-wide-sshd$s" -f "$LAB_WIDE_DATA/sshd${s}_host_key"
    printf 'environment="DOCKER_HOST=unix://%s" %s\n' "$(host_socket "$engine")" "$(cat "$LAB_KEY.pub")" \
        >"$LAB_WIDE_DATA/sshd${s}_authorized_keys"
    chmod 644 "$LAB_WIDE_DATA/sshd${s}_authorized_keys"
    {
        printf '# Wide sshd %s of the molt lab (scripts/lab up N --wide M): endpoints %s..%s, engine of %s.\n' \
            "$s" "$(wide_name "$first")" "$(wide_name "$last")" "$(host_name "$engine")"
        for ((k = first; k <= last; k++)); do printf 'ListenAddress %s:%s\n' "$LAB_WIDE_ADDR" "$(wide_port "$k")"; done
        lab_sshd_options "$LAB_WIDE_DATA/sshd${s}_host_key" "$LAB_WIDE_RUN/sshd$s.sshd-pid" \
            "$LAB_WIDE_DATA/sshd${s}_authorized_keys" 200:30:400
    } >"$config"
}

wide_sshd_start() {
    local s=$1
    install -d -m 755 /run/sshd
    spawn "$LAB_WIDE_DATA/sshd$s.log" "$(wide_sshd_pidfile "$s")" \
        /usr/sbin/sshd -D -f "$(wide_sshd_config "$s")" -E "$LAB_WIDE_DATA/sshd$s.log"
}

# Every port of the endpoints of sshd S accepts a TCP connection.
wide_sshd_listening() {
    local s=$1 count=$2 k first last
    first=$(((s - 1) * LAB_WIDE_PORTS_PER_SSHD + 1))
    last=$((s * LAB_WIDE_PORTS_PER_SSHD))
    [ "$last" -le "$count" ] || last=$count
    for ((k = first; k <= last; k++)); do
        # shellcheck disable=SC2016 # $0 and $1 are the inner shell's
        timeout 2 bash -c ': >"/dev/tcp/$0/$1"' "$LAB_WIDE_ADDR" "$(wide_port "$k")" 2>/dev/null || return 1
    done
}

# wide_up M N: M endpoints in front of the engines of lab1..labN (replacing any that run).
wide_up() {
    local count=$1 hosts=$2 sshds s k key
    wide_stop
    wide_check_ports "$count"
    sshds=$(wide_sshd_count "$count")
    install -d -m 755 "$LAB_WIDE_DATA" "$LAB_WIDE_RUN"
    for ((s = 1; s <= sshds; s++)); do
        wide_configure "$s" "$count" "$hosts"
        wide_sshd_start "$s"
    done
    for ((s = 1; s <= sshds; s++)); do
        if ! wait_for 20 "wide sshd $s" wide_sshd_listening "$s" "$count"; then
            show_log "$LAB_WIDE_DATA/sshd$s.log"
            exit 1
        fi
    done
    : >"$LAB_KNOWN_HOSTS_WIDE.new"
    for ((k = 1; k <= count; k++)); do
        s=$(wide_sshd_of "$k")
        read -r -a key <"$LAB_WIDE_DATA/sshd${s}_host_key.pub"
        printf '[%s]:%s %s %s\n' "$LAB_WIDE_ADDR" "$(wide_port "$k")" "${key[0]}" "${key[1]}" >>"$LAB_KNOWN_HOSTS_WIDE.new"
    done
    chmod 644 "$LAB_KNOWN_HOSTS_WIDE.new"
    mv "$LAB_KNOWN_HOSTS_WIDE.new" "$LAB_KNOWN_HOSTS_WIDE"
    printf '%s %s %s\n' "$count" "$LAB_WIDE_BASE_PORT" "$hosts" >"$LAB_WIDE_COUNT_FILE"
    wide_inventory >"$LAB_WIDE_INVENTORY.new"
    mv "$LAB_WIDE_INVENTORY.new" "$LAB_WIDE_INVENTORY"
    chmod 644 "$LAB_WIDE_INVENTORY"
    say "wide: $count SSH endpoints $(wide_name 1)..$(wide_name "$count") on $LAB_WIDE_ADDR:$(wide_port 1)..$(wide_port "$count") ($sshds sshds), sharing the engines of $hosts hosts"
    say "  molt status -i $LAB_WIDE_INVENTORY"
}

# Restarts the wide sshds that are not running.
wide_repair() {
    local count base hosts s restarted=0
    wide_is_up || return 0
    read -r count base hosts < <(wide_state)
    LAB_WIDE_BASE_PORT=$base
    for ((s = 1; s <= $(wide_sshd_count "$count"); s++)); do
        if ! wide_sshd_alive "$s"; then
            wide_sshd_start "$s"
            wait_for 20 "wide sshd $s" wide_sshd_listening "$s" "$count" || exit 1
            restarted=$((restarted + 1))
        fi
    done
    [ "$restarted" -eq 0 ] || say "wide: restarted $restarted sshds"
}

# Stops every wide sshd by its pid file (and the sessions it carries), removes the state.
wide_stop() {
    local pidfile pid config s
    for pidfile in "$LAB_WIDE_RUN"/sshd*.pid; do
        [ -e "$pidfile" ] || continue
        s=${pidfile##*/sshd}
        s=${s%.pid}
        config=$(wide_sshd_config "$s")
        pid=$(read_pid "$pidfile")
        if pid_alive "$pid" "$config"; then
            local -a sessions
            mapfile -t sessions < <(descendants "$pid")
            stop_pid "$pid" "$config" "wide sshd $s" 5
            for pid in "${sessions[@]}"; do
                kill -KILL "$pid" 2>/dev/null || true
            done
        fi
        rm -f "$pidfile"
    done
    rm -rf "$LAB_WIDE_RUN" "$LAB_WIDE_DATA"
    rm -f "$LAB_KNOWN_HOSTS_WIDE" "$LAB_WIDE_INVENTORY"
}

# The inventory of the wide endpoints that are up: group `wide`, and `web` (every wide host
# fronts an engine running the lab's web service), so playbooks/lab-web.yml plans on them.
wide_inventory() {
    local count base hosts k
    wide_is_up || die "the wide lab is not up: scripts/lab up N --wide M (as root)"
    read -r count base hosts < <(wide_state)
    LAB_WIDE_BASE_PORT=$base
    cat <<EOF
# The wide molt lab: $count SSH endpoints on $LAB_WIDE_ADDR ports $(wide_port 1)..$(wide_port "$count"), served by
# $(wide_sshd_count "$count") sshds ($LAB_WIDE_PORTS_PER_SSHD ports each) in front of the Docker engines of lab1..lab$hosts
# (scripts/lab up $hosts --wide $count). For status, plan, find and audit at scale; never roll
# out on them (the endpoints share engines). Host keys: $LAB_KNOWN_HOSTS_WIDE.
all:
  vars:
    ansible_user: $LAB_USER
    ansible_ssh_private_key_file: $LAB_KEY
    known_hosts: $LAB_KNOWN_HOSTS_WIDE
  children:
    wide:
      hosts:
EOF
    for ((k = 1; k <= count; k++)); do
        printf '        %s:\n          ansible_host: %s\n          ansible_port: %s\n          docker_socket: %s\n' \
            "$(wide_name "$k")" "$LAB_WIDE_ADDR" "$(wide_port "$k")" \
            "$(host_socket "$(wide_engine_of "$(wide_sshd_of "$k")" "$hosts")")"
    done
    cat <<EOF
    web:
      children:
        wide:
EOF
}
