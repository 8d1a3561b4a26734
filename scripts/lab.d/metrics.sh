# shellcheck shell=bash
# The lab's metric source, for canary gates: a small HTTP server (lab.d/metrics.py, Debian's
# python3) on this machine's lab address, answering Prometheus's instant-query shape
# (GET /api/v1/query?query=NAME) with values tests set by name:
#   scripts/lab metrics set error_rate 0.02   →   "value":[<time>,"0.02"]
# Every request it answers is a line in its request log.

LAB_METRICS_PORT=9090               # Prometheus's port, on the lab's own gateway address
LAB_METRICS=$LAB_GATEWAY:$LAB_METRICS_PORT
LAB_METRICS_DIR=$LAB_DATA/metrics
LAB_METRICS_VALUES=$LAB_METRICS_DIR/values
LAB_METRICS_LOG=$LAB_METRICS_DIR/requests.log
LAB_METRICS_PID=$LAB_RUN/metrics.pid
LAB_PYTHON=/usr/bin/python3         # Debian's, never a pyenv shim on PATH

metrics_alive() { pid_alive "$(read_pid "$LAB_METRICS_PID")" "$LAB_METRICS_VALUES"; }

metrics_start() {
    mkdir -p "$LAB_METRICS_VALUES"
    spawn "$LAB_METRICS_DIR/server.log" "$LAB_METRICS_PID" \
        "$LAB_PYTHON" -I "$LAB_SOURCE/lab.d/metrics.py" "$LAB_GATEWAY" "$LAB_METRICS_PORT" \
        "$LAB_METRICS_VALUES" "$LAB_METRICS_LOG"
}

metrics_ready() { http_get "http://$LAB_METRICS/-/healthy" >/dev/null; }

metrics_wait() { wait_or_show 10 "the metric source at $LAB_METRICS" "$LAB_METRICS_DIR/server.log" metrics_ready; }

metrics_stop() {
    stop_pid "$(read_pid "$LAB_METRICS_PID")" "$LAB_METRICS_VALUES" "the metric source" 5
    rm -f "$LAB_METRICS_PID"
}

# metrics_check_name NAME: a Prometheus metric name, which is also the value's file name.
metrics_check_name() {
    [[ ${1:-} =~ ^[A-Za-z_:][A-Za-z0-9_:.-]{0,199}$ ]] ||
        die "'${1:-}' is not a metric name: letters, digits, '_', ':', '.' and '-', starting with a letter, '_' or ':'"
}

# metrics up|down|set NAME VALUE|unset NAME|show
cmd_metrics() {
    require_root metrics
    lab_is_up || die "the lab is not up: run scripts/lab up"
    local command=${1:-show}
    [ "$#" -eq 0 ] || shift
    case $command in
        up)
            if metrics_alive; then
                say "the metric source is running at http://$LAB_METRICS"
            else
                metrics_start
                metrics_wait
                say "metric source started at http://$LAB_METRICS"
            fi
            ;;
        down)
            metrics_stop
            say "metric source stopped"
            ;;
        set)
            [ "$#" -eq 2 ] || die "usage: scripts/lab metrics set NAME VALUE"
            metrics_check_name "$1"
            if [ -z "$2" ] || [[ $2 == *$'\n'* ]]; then
                die "a metric value is one line of text, such as 0.02, NaN or +Inf"
            fi
            mkdir -p "$LAB_METRICS_VALUES"
            # Written whole, then renamed: a query never reads half a value.
            printf '%s\n' "$2" >"$LAB_METRICS_VALUES/.$1.new"
            mv -f "$LAB_METRICS_VALUES/.$1.new" "$LAB_METRICS_VALUES/$1"
            ;;
        unset)
            [ "$#" -eq 1 ] || die "usage: scripts/lab metrics unset NAME"
            metrics_check_name "$1"
            rm -f "$LAB_METRICS_VALUES/$1"
            ;;
        show)
            local state=stopped file
            metrics_alive && state=running
            say "metric source http://$LAB_METRICS ($state), requests logged in $LAB_METRICS_LOG"
            for file in "$LAB_METRICS_VALUES"/*; do
                [ -e "$file" ] || continue
                printf '  %s %s\n' "${file##*/}" "$(cat "$file")"
            done
            ;;
        *) die "usage: scripts/lab metrics up|down|set NAME VALUE|unset NAME|show" ;;
    esac
}
