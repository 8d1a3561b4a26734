# shellcheck shell=bash
# A PostgreSQL server of the lab's own for molt's journal (SPEC §11): Debian's postgresql-15
# binaries, a cluster made by initdb in a temporary folder, listening on 127.0.0.1 only, run
# by the postgres user and stopped by its PID. No system service is touched: Debian's own
# cluster (pg_ctlcluster, systemd) is left as it is. It does not need the lab's hosts:
#   scripts/lab journal up     prints postgres://molt:…@127.0.0.1:55432/molt?sslmode=disable
#   MOLT_TEST_POSTGRES=$(scripts/lab journal up) swift test --filter JournalTests
#   scripts/lab journal down
# It speaks TLS too, with a certificate for localhost and 127.0.0.1 from a certificate authority
# of its own, made at start (`scripts/lab journal ca` prints where): sslmode=require and
# verify-full (with sslrootcert=…) can be tried against it. MOLT_LAB_JOURNAL_PORT runs a
# second server beside the first (the outage test stops one of its own).

LAB_JOURNAL_BIN=/usr/lib/postgresql/15/bin
LAB_JOURNAL_PORT=${MOLT_LAB_JOURNAL_PORT:-55432}
# The cluster's folder name, its URL and its authority's certificate, while it runs.
if [ "$LAB_JOURNAL_PORT" = 55432 ]; then
    LAB_JOURNAL_STATE=/run/molt-lab-journal
else
    LAB_JOURNAL_STATE=/run/molt-lab-journal-$LAB_JOURNAL_PORT
fi
LAB_JOURNAL_USER=postgres                 # initdb and postgres refuse to run as root

# The cluster's temporary folder, or nothing when none is up.
journal_dir() { cat "$LAB_JOURNAL_STATE/dir" 2>/dev/null || true; }

# The postmaster's PID, from its own pid file.
journal_pid() {
    local dir
    dir=$(journal_dir)
    [ -n "$dir" ] && read_pid "$dir/data/postmaster.pid"
    return 0
}

journal_alive() {
    local dir
    dir=$(journal_dir)
    [ -n "$dir" ] && pid_alive "$(journal_pid)" "$dir/data"
}

journal_ready() {
    "$LAB_JOURNAL_BIN/pg_isready" -q -h 127.0.0.1 -p "$LAB_JOURNAL_PORT"
}

journal_up() {
    if journal_alive; then
        cat "$LAB_JOURNAL_STATE/url"
        return 0
    fi
    [ -x "$LAB_JOURNAL_BIN/initdb" ] || die "no PostgreSQL 15 at $LAB_JOURNAL_BIN: run scripts/lab install first"
    id "$LAB_JOURNAL_USER" >/dev/null 2>&1 || die "no user $LAB_JOURNAL_USER (postgresql-15 makes it): run scripts/lab install first"
    journal_down_quietly
    local dir password
    dir=$(mktemp -d /tmp/molt-journal.XXXXXX)
    password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
    printf '%s\n' "$password" >"$dir/password"
    chmod 600 "$dir/password"
    chown -R "$LAB_JOURNAL_USER:" "$dir"
    install -d -m 700 "$LAB_JOURNAL_STATE"
    printf '%s\n' "$dir" >"$LAB_JOURNAL_STATE/dir"
    if ! runuser -u "$LAB_JOURNAL_USER" -- "$LAB_JOURNAL_BIN/initdb" -D "$dir/data" -U molt --pwfile="$dir/password" \
        --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
        show_log "$dir/initdb.log"
        die "initdb failed in $dir"
    fi
    journal_certificates "$dir"
    journal_start_server "$dir"
    PGPASSWORD=$password "$LAB_JOURNAL_BIN/psql" -q -h 127.0.0.1 -p "$LAB_JOURNAL_PORT" -U molt -d postgres \
        -c 'CREATE DATABASE molt' >/dev/null
    printf 'postgres://molt:%s@127.0.0.1:%s/molt?sslmode=disable\n' "$password" "$LAB_JOURNAL_PORT" >"$LAB_JOURNAL_STATE/url"
    chmod 600 "$LAB_JOURNAL_STATE/url"
    cat "$LAB_JOURNAL_STATE/url"
}

# Starts the postmaster of the cluster in $1 and waits until it answers.
journal_start_server() {
    local dir=$1
    # Loopback only, the socket in the cluster's own folder: nothing else on the machine moves.
    # The server keeps none of this script's descriptors (see close_inherited_fds).
    if ! (
        close_inherited_fds
        exec runuser -u "$LAB_JOURNAL_USER" -- "$LAB_JOURNAL_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
            -o "-c listen_addresses=127.0.0.1 -p $LAB_JOURNAL_PORT -k $dir -c fsync=off -c ssl=on -c ssl_cert_file=$dir/tls/server.crt -c ssl_key_file=$dir/tls/server.key" \
            start </dev/null >/dev/null
    ); then
        show_log "$dir/server.log"
        die "the journal server did not start on 127.0.0.1:$LAB_JOURNAL_PORT"
    fi
    wait_or_show 10 "the journal server on 127.0.0.1:$LAB_JOURNAL_PORT" "$dir/server.log" journal_ready
}

# Stops the postmaster by its PID (SIGINT: PostgreSQL's fast shutdown, which ends every
# connection at once), keeping the cluster's folder for `journal start`.
journal_stop_server() {
    local dir pid
    dir=$(journal_dir)
    pid=$(journal_pid)
    [ -n "$pid" ] && pid_alive "$pid" "$dir/data" || return 0
    kill -INT "$pid" 2>/dev/null || true
    local waited=0
    while pid_alive "$pid" "$dir/data" && [ "$waited" -lt 100 ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    stop_pid "$pid" "$dir/data" "the journal server" 1
}

# A certificate authority of the server's own, and the server's certificate for localhost and
# 127.0.0.1, valid for two days; the authority's certificate is copied to the state folder.
journal_certificates() {
    local tls=$1/tls
    install -d -m 700 "$tls"
    if ! {
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=molt lab journal authority" \
            -keyout "$tls/ca.key" -out "$tls/ca.crt" &&
            openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tls/server.key" -out "$tls/server.csr" &&
            openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
                -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n') -out "$tls/server.crt"
    } >"$1/openssl.log" 2>&1; then
        show_log "$1/openssl.log"
        die "cannot make the journal server's certificates in $tls"
    fi
    rm -f "$tls/ca.key" "$tls/server.csr"
    chmod 600 "$tls/server.key"
    chown -R "$LAB_JOURNAL_USER:" "$tls"
    install -m 644 "$tls/ca.crt" "$LAB_JOURNAL_STATE/ca.crt"
}

# Stops the postmaster by its PID (SIGINT: PostgreSQL's fast shutdown) and removes its folder.
journal_down_quietly() {
    local dir
    dir=$(journal_dir)
    [ -n "$dir" ] || return 0
    journal_stop_server
    case $dir in
        /tmp/molt-journal.*) rm -rf "$dir" ;;
    esac
    rm -rf "$LAB_JOURNAL_STATE"
}

journal_down() {
    if [ -z "$(journal_dir)" ]; then
        say "the journal server is not up: nothing to do"
        return 0
    fi
    journal_down_quietly
    say "the journal server is down"
}

# journal up|down|url
cmd_journal() {
    require_root journal
    case ${1:-url} in
        up) journal_up ;;
        down) journal_down ;;
        url)
            journal_alive || die "the journal server is not up: run scripts/lab journal up"
            cat "$LAB_JOURNAL_STATE/url"
            ;;
        stop)
            # An outage: the server goes, its records stay for `journal start`.
            [ -n "$(journal_dir)" ] || die "the journal server is not up: run scripts/lab journal up"
            journal_stop_server
            say "the journal server is stopped; scripts/lab journal start brings it back"
            ;;
        start)
            local dir
            dir=$(journal_dir)
            [ -n "$dir" ] || die "the journal server is not up: run scripts/lab journal up"
            journal_alive || journal_start_server "$dir"
            ;;
        ca)
            journal_alive || die "the journal server is not up: run scripts/lab journal up"
            printf '%s\n' "$LAB_JOURNAL_STATE/ca.crt"
            ;;
        *) die "usage: scripts/lab journal up|down|url|ca|stop|start" ;;
    esac
}
