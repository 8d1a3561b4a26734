# shellcheck shell=bash
# The example images (scripts/lab-images) and the services the lab runs from them.

LAB_IMAGE_SOURCES=$LAB_SOURCE/lab-images
LAB_IMAGE_BUILD=$LAB_DATA/images

# The images the manifest lists, as NAME:TAG.
image_list() {
    awk '!/^#/ && NF { print $1 }' "$LAB_IMAGE_SOURCES/manifest"
}

# Compiles every C program in scripts/lab-images/src into $LAB_IMAGE_BUILD/bin, static, so
# that it runs in the BusyBox images (which have no libc).
programs_build() {
    local source program
    command -v cc >/dev/null || die "cc not found: install gcc and libc6-dev (scripts/lab install)"
    mkdir -p "$LAB_IMAGE_BUILD/bin"
    for source in "$LAB_IMAGE_SOURCES"/src/*.c; do
        [ -e "$source" ] || continue
        program=$(basename "$source" .c)
        cc -static -O2 -s -Wall -Wextra -o "$LAB_IMAGE_BUILD/bin/$program" "$source" ||
            die "could not compile scripts/lab-images/src/$program.c (static: needs libc6-dev's libc.a)"
    done
}

# Builds a root file system for every image and packs it as $LAB_IMAGE_BUILD/NAME-TAG.tar,
# with the `docker import -c` instructions beside it (NAME-TAG.changes). Needs no daemon.
images_build() {
    local busybox applet line image dir rootfs base program
    busybox=$(command -v busybox) || die "busybox not found: install busybox-static (scripts/lab install)"
    mkdir -p "$LAB_IMAGE_BUILD"
    programs_build
    while read -r line; do
        [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
        read -r image line <<<"$line"
        base=$LAB_IMAGE_BUILD/${image/:/-}
        rootfs=$base.rootfs
        rm -rf "$rootfs"
        install -d "$rootfs/bin" "$rootfs/etc" "$rootfs/root"
        install -d -m 1777 "$rootfs/tmp"
        cp "$busybox" "$rootfs/bin/busybox"
        for applet in $("$busybox" --list); do
            [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
        done
        : >"$base.changes"
        for dir in $line; do
            [ -d "$LAB_IMAGE_SOURCES/$dir" ] || die "image $image: no directory scripts/lab-images/$dir"
            tar -C "$LAB_IMAGE_SOURCES/$dir" --exclude=./changes --exclude=./programs -cf - . | tar -C "$rootfs" -xf -
            if [ -f "$LAB_IMAGE_SOURCES/$dir/changes" ]; then
                grep -vE '^[[:space:]]*(#|$)' "$LAB_IMAGE_SOURCES/$dir/changes" >>"$base.changes"
            fi
            if [ -f "$LAB_IMAGE_SOURCES/$dir/programs" ]; then
                for program in $(grep -vE '^[[:space:]]*(#|$)' "$LAB_IMAGE_SOURCES/$dir/programs"); do
                    [ -x "$LAB_IMAGE_BUILD/bin/$program" ] || die "image $image: no program scripts/lab-images/src/$program.c"
                    install -D -m 755 "$LAB_IMAGE_BUILD/bin/$program" "$rootfs/app/$program"
                done
            fi
        done
        printf 'LABEL org.opencontainers.image.version=%s\n' "${image#*:}" >>"$base.changes"
        chmod -R go-w "$rootfs"
        chmod 755 "$rootfs"/app/start "$rootfs"/app/respond "$rootfs"/app/check "$rootfs"/app/migrate 2>/dev/null || true
        tar -C "$rootfs" --numeric-owner --owner=0 --group=0 --sort=name -cf "$base.tar" .
        rm -rf "$rootfs"
    done <"$LAB_IMAGE_SOURCES/manifest"
}

# Imports image NAME:TAG into lab1's engine, pushes it to the lab registry and removes
# it from lab1 again, so that every host, lab1 included, gets its images by pulling.
image_publish() {
    local image=$1 ref base line
    LAB_TAG=$image
    ref=$LAB_IMAGE_PREFIX/$image
    base=$LAB_IMAGE_BUILD/${image/:/-}
    local -a changes=()
    while IFS= read -r line; do
        changes+=(-c "$line")
    done <"$base.changes"
    hdocker 1 import "${changes[@]}" "$base.tar" "$ref" >/dev/null
    hdocker 1 push "$ref" >"$base.push.log" 2>&1 || {
        cat "$base.push.log" >&2
        die "could not push $ref"
    }
    hdocker 1 rmi "$ref" >/dev/null
}

# The services every host runs, as `docker run` arguments; lab1 and lab2 also run a
# cache, lab3 and lab4 a db.
host_service_names() {
    case $1 in
        1 | 2) echo web cache ;;
        3 | 4) echo web db ;;
        *) echo web ;;
    esac
}

service_run_args() {
    case $1 in
        web) echo "--name web --network host --restart unless-stopped -v web-data:/data $LAB_IMAGE_PREFIX/web:1.0" ;;
        cache) echo "--name cache --network host --restart unless-stopped $LAB_IMAGE_PREFIX/cache:1.0" ;;
        db) echo "--name db --network host --restart unless-stopped -v db-data:/data $LAB_IMAGE_PREFIX/db:1.0" ;;
    esac
}

# No running container of host I has a health check still starting (those a restart
# policy just brought back, say).
host_settled() {
    local ids
    ids=$(hdocker "$1" ps -q) || return 1
    [ -z "$ids" ] && return 0
    # shellcheck disable=SC2086 # one argument per container ID
    ! hdocker "$1" inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' $ids | grep -qx starting
}

# Waits (at most 60 s, and without failing) until host I's containers are settled.
host_settle() {
    wait_for 60 "the health checks of $(host_name "$1")'s containers to settle" host_settled "$1" 2>/dev/null || true
}

# The ID of host I's container named NAME, or nothing. By exact name: `docker inspect db`
# would also answer with a container whose ID starts with "db".
container_id() {
    hdocker "$1" ps -aq --no-trunc --filter "name=^/$2\$"
}

container_healthy() {
    local id
    id=$(container_id "$1" "$2") && [ -n "$id" ] &&
        [ "$(hdocker "$1" inspect -f '{{.State.Health.Status}}' "$id" 2>/dev/null)" = healthy ]
}

# Pulls and starts host I's example services unless they exist (a container that exists
# is started if it is not running: `up` never replaces what a test or molt put there),
# waits until they are healthy, and checks the way in that molt and `docker -H ssh://`
# take: SSH as molt-lab to the host's engine.
host_services() {
    local i=$1 name service state id
    name=$(host_name "$i")
    LAB_TAG=$name
    local -a args touched=()
    for service in $(host_service_names "$i"); do
        id=$(container_id "$i" "$service")
        if [ -n "$id" ]; then
            state=$(hdocker "$i" inspect -f '{{.State.Running}}' "$id")
            if [ "$state" != true ]; then
                hdocker "$i" start "$id" >/dev/null
                touched+=("$service")
            fi
            continue
        fi
        # A rollout cut short left its copies (NAME.molt-prev, NAME.molt-next): the service is
        # molt's to repair on its next run, not the lab's to recreate beside them.
        if [ -n "$(container_id "$i" "$service.molt-prev")$(container_id "$i" "$service.molt-next")" ]; then
            say "$name: $service is mid-rollout (molt's copies are there): left for molt to repair"
            continue
        fi
        read -r -a args <<<"$(service_run_args "$service")"
        hdocker "$i" pull -q "${args[-1]}" >/dev/null
        hdocker "$i" run -d "${args[@]}" >/dev/null
        touched+=("$service")
    done
    # Only what was just started must become healthy: a container a test left on a
    # broken release is the test's business.
    for service in "${touched[@]}"; do
        if ! wait_for 60 "$service to become healthy" container_healthy "$i" "$service"; then
            hdocker "$i" logs --tail 20 "$service" >&2 || true
            hdocker "$i" inspect -f '{{json .State.Health}}' "$(container_id "$i" "$service")" >&2 || true
            exit 1
        fi
    done
    host_settle "$i"
    local version
    version=$(ssh -F "$LAB_SSH_CONFIG" "$name" \
        docker version -f '{{.Server.Version}}' 2>&1) ||
        die "ssh $LAB_USER@$(host_addr "$i") docker version failed: $version (see $(host_data "$i")/sshd.log)"
    if [ "${#touched[@]}" -gt 0 ]; then
        say "${touched[*]} started and healthy; ssh $LAB_USER@$(host_addr "$i") reaches engine $version"
    fi
}
