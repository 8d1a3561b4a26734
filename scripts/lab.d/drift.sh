# shellcheck shell=bash
# `scripts/lab drift`: plants one finding of each kind `molt audit` reports but `patched`
# (which `molt patch` writes), the way drift happens on real fleets (SPEC §8):
#   changed-in-place  lab1's web: libssl3 upgraded inside the running container
#   local-image       lab3: an image committed from db, run as drift-local
#   stale-tag         a new build pushed under cache:1.0, which lab1 and lab2 run
#   mixed             lab4's web replaced by hand with web:2.0
# `scripts/lab drift undo` puts the lab back as `up` made it.

LAB_DRIFT_LOCAL_IMAGE=molt-lab-local/db:hotfix

cmd_drift() {
    require_root drift
    lab_is_up || die "the lab is not up: run scripts/lab up 4 (as root)"
    [ "$(wc -w <<<"$(lab_hosts)")" -ge 4 ] || die "drift needs at least 4 hosts: scripts/lab up 4"
    take_lock
    if [ "${1:-}" = undo ]; then
        drift_undo
        return 0
    fi

    LAB_TAG=lab1
    hdocker 1 exec web sed -i '/^Package: libssl3$/,/^$/ s/^Version: .*/Version: 3.0.15-1~deb12u1/' /var/lib/dpkg/status
    say "web: libssl3 changed in place to 3.0.15-1~deb12u1"

    LAB_TAG=lab3
    hdocker 3 rm -f drift-local >/dev/null 2>&1 || true
    hdocker 3 commit -m "hotfix by hand" db "$LAB_DRIFT_LOCAL_IMAGE" >/dev/null
    hdocker 3 run -d --name drift-local --network none --restart unless-stopped --entrypoint /bin/sleep \
        "$LAB_DRIFT_LOCAL_IMAGE" 2147483647 >/dev/null
    say "drift-local runs $LAB_DRIFT_LOCAL_IMAGE, committed from db"

    LAB_TAG=registry
    local cache=$LAB_IMAGE_PREFIX/cache:1.0 log=$LAB_DATA/drift-push.log
    hdocker 4 pull "$cache" >/dev/null
    hdocker 4 rm -f drift-build >/dev/null 2>&1 || true
    hdocker 4 run --name drift-build --network none --entrypoint /bin/sh "$cache" -c 'echo rebuilt >/etc/drift-build'
    hdocker 4 commit drift-build "$cache" >/dev/null
    hdocker 4 push "$cache" >"$log" 2>&1 || {
        cat "$log" >&2
        die "could not push $cache"
    }
    hdocker 4 rm -f drift-build >/dev/null
    hdocker 4 rmi "$cache" >/dev/null
    say "a new build of cache:1.0 pushed; lab1 and lab2 still run the old one"

    LAB_TAG=lab4
    hdocker 4 rm -f web >/dev/null
    # shellcheck disable=SC2046 # the run arguments are words
    hdocker 4 run -d $(service_run_args web | sed "s|/web:1.0|/web:2.0|") >/dev/null
    say "web replaced by hand with web:2.0"
}

# Puts back what cmd_drift planted: the original cache:1.0 pushed again from lab1 (which still
# runs it), drift-local and its image removed, web recreated on lab1 and lab4 from web:1.0.
drift_undo() {
    local cache=$LAB_IMAGE_PREFIX/cache:1.0 original log=$LAB_DATA/drift-push.log i
    LAB_TAG=registry
    original=$(hdocker 1 inspect -f '{{.Image}}' cache)
    hdocker 1 tag "$original" "$cache"
    hdocker 1 push "$cache" >"$log" 2>&1 || {
        cat "$log" >&2
        die "could not push $cache back"
    }
    LAB_TAG=lab3
    hdocker 3 rm -f drift-local >/dev/null 2>&1 || true
    hdocker 3 rmi "$LAB_DRIFT_LOCAL_IMAGE" >/dev/null 2>&1 || true
    for i in 1 4; do
        LAB_TAG=lab$i
        hdocker "$i" rm -f web >/dev/null
        # shellcheck disable=SC2046 # the run arguments are words
        hdocker "$i" run -d $(service_run_args web) >/dev/null
        host_settle "$i"
    done
    say "drift undone"
}
