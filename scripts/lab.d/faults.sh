# shellcheck shell=bash
# Faults the lab can cause on purpose, so that tests (and anyone trying molt) can see what
# molt does when a part of a fleet goes away: a host's sshd killed with its sessions, its
# dockerd restarted, the registry gone, a slow download from the registry, a full disk.
# (Cutting a host off the network is `unplug`, in scripts/lab itself.)
#
# Every fault is undone by its opposite command, and `scripts/lab up` on a lab that is up
# undoes all of them at once.

# --- sshd --------------------------------------------------------------------------------

# Kills host I's sshd the way a crash of the whole daemon would: the listener and every
# per-connection sshd below it, so established sessions die too (killing the listener alone
# leaves them running). Processes are found through the listener's PID file and its process
# tree, never by name. The tree is frozen (SIGSTOP) first, so no process can fork a child
# that escapes the kill, then killed (SIGKILL) as a whole.
host_sshd_kill() {
    local i=$1 data pid
    data=$(host_data "$i")
    pid=$(read_pid "$(host_run "$i")/sshd.pid")
    pid_alive "$pid" "$data/sshd_config" || return 0
    local -a tree=("$pid") frozen=()
    local member changed=1
    # Freeze until the tree stops growing: a child forked before its parent froze is found
    # on the next pass.
    while [ "$changed" -eq 1 ]; do
        changed=0
        for member in "${tree[@]}"; do
            if [[ " ${frozen[*]} " != *" $member "* ]]; then
                kill -STOP "$member" 2>/dev/null || true
                frozen+=("$member")
                changed=1
            fi
        done
        mapfile -t tree < <(printf '%s\n' "$pid"; descendants "$pid")
    done
    for member in "${tree[@]}"; do
        kill -KILL "$member" 2>/dev/null || true
    done
    # Check that they are gone (a zombie is gone: it holds no connection any more).
    local tries
    for ((tries = 50; tries > 0; tries--)); do
        local -a left=()
        for member in "${tree[@]}"; do
            pid_alive "$member" && left+=("$member")
        done
        [ "${#left[@]}" -eq 0 ] && break
        sleep 0.1
    done
    [ "${#left[@]}" -eq 0 ] || die "sshd processes ${left[*]} survived SIGKILL"
    rm -f "$(host_run "$i")/sshd.pid"
    say "sshd killed: pid $pid and ${#tree[@]} process(es) in all, every session of it with them"
}

# --- the registry ------------------------------------------------------------------------

registry_alive() { pid_alive "$(read_pid "$LAB_REGISTRY_PID")" "$LAB_REGISTRY_DIR/config.yml"; }

# --- a slow download from the registry -----------------------------------------------------

# The default rate of `throttle`: a lab image's layer (1 to 1.4 MB) takes 35 to 50 s to pull.
LAB_THROTTLE_RATE=256kbit

# Limits what host I receives from the registry to RATE, on the host's port of the lab
# switch. Only traffic from the registry's address is slowed (an HTB class picked by a u32
# filter), so SSH to the host stays fast while a pull crawls. The class's token bucket
# keeps a short queue and splits the veth's 64 KB segments into packets, so the sender
# sees a slow link rather than a deep buffer; together with the registry's small send
# buffers (registry_start) that makes a pull stop soon after the registry goes away.
host_throttle() {
    local i=$1 rate=$2 link
    link=$(host_link "$i")
    host_unthrottle "$i"
    tc -n "$LAB_SWITCH_NS" qdisc add dev "$link" root handle 1: htb
    tc -n "$LAB_SWITCH_NS" class add dev "$link" parent 1: classid 1:2 htb rate 10gbit quantum 60000
    tc -n "$LAB_SWITCH_NS" qdisc add dev "$link" parent 1:2 handle 2: tbf rate "$rate" burst 3kb limit 16kb
    tc -n "$LAB_SWITCH_NS" filter add dev "$link" parent 1: protocol ip prio 1 u32 \
        match ip src "$LAB_REGISTRY_ADDR/32" flowid 1:2
}

host_unthrottle() {
    local link
    link=$(host_link "$1")
    if host_throttled "$1" >/dev/null; then
        tc -n "$LAB_SWITCH_NS" qdisc del dev "$link" root
    fi
}

# The rate host I's downloads from the registry are held to, or nothing (and false).
host_throttled() {
    local rate
    rate=$(tc -n "$LAB_SWITCH_NS" qdisc show dev "$(host_link "$1")" 2>/dev/null |
        awk '$2 == "tbf" { for (k = 3; k < NF; k++) if ($k == "rate") { print $(k + 1); exit } }')
    [ -n "$rate" ] && printf '%s' "$rate"
}

# --- a small disk that can be filled -------------------------------------------------------

# Host 4's Docker data root is a file system of its own, an ext4 image on a loop device, so
# that `fill` can make it run out of space without touching this machine's disk. The image
# is sparse: it takes on this machine's disk only what is written to it, and `fill` takes
# the free space with fallocate (no data written), so even a large image costs nothing.
# 2 GiB leave room for scripts/bench-clone's volumes on the same host.
LAB_SMALL_DISK_HOST=4
LAB_SMALL_DISK_SIZE=2G
LAB_FILL_FILE=molt-lab-fill # at the top of the file system, beside Docker's own directories

host_disk_image() { printf '%s/docker.ext4' "$(host_data "$1")"; }
host_has_small_disk() { [ "$1" = "$LAB_SMALL_DISK_HOST" ]; }

# Host I's data root is our loop file system: mounted from a loop device whose backing
# file is the host's image (dockerd bind-mounts its data root onto itself, so a mount point
# there alone says nothing).
host_disk_mounted() {
    local image mnt device
    image=$(host_disk_image "$1") mnt=$(host_data "$1")/docker
    [ -e "$image" ] || return 1
    for device in $(losetup -n -O NAME -j "$image" 2>/dev/null); do
        awk -v d="$mnt" -v s="$device" '
            $5 == d { for (k = 7; k < NF; k++) if ($k == "-") { if ($(k + 2) == s) found = 1; break } }
            END { exit !found }' /proc/self/mountinfo && return 0
    done
    return 1
}

# Makes host I's data root a fresh loop-mounted ext4 file system (before dockerd starts).
host_disk_create() {
    local i=$1 image mnt
    image=$(host_disk_image "$i") mnt=$(host_data "$i")/docker
    host_disk_remove "$i"
    rm -f "$image"
    truncate -s "$LAB_SMALL_DISK_SIZE" "$image"
    # -m 0: no blocks reserved for root (dockerd runs as root and would use them, so a
    # "full" disk would not be); fewer inodes than the default keep the image small.
    mkfs.ext4 -q -F -m 0 -N 65536 -L molt-lab-lab"$i" "$image"
    install -d -m 710 "$mnt"
    # A machine without loop devices (some containers) still gets a lab, without `fill`.
    if ! mount -o loop "$image" "$mnt"; then
        warn "cannot loop-mount $image: $(host_name "$i")'s data root stays on this machine's disk, and \`fill\` will not work"
        rm -f "$image"
        return 0
    fi
    chmod 710 "$mnt"
}

# Unmounts host I's data root file system (dockerd stopped first) and frees its loop device.
host_disk_remove() {
    local i=$1 image mnt device
    image=$(host_disk_image "$i") mnt=$(host_data "$i")/docker
    unmount_under "$mnt"
    # `mount -o loop` frees the loop device on unmount; one left behind (a lazy unmount,
    # an interrupted `up`) is freed here, found by its backing file, never by number.
    if [ -e "$image" ]; then
        for device in $(losetup -n -O NAME -j "$image" 2>/dev/null); do
            losetup -d "$device" 2>/dev/null || warn "could not free $device (backing $image)"
        done
    fi
}

# Fills host I's data root until only FREE bytes (a size for fallocate: 0, 512k, 2m) are
# left. FREE 0 is a disk that is full to the last block: any write fails with ENOSPC.
host_disk_fill() {
    local i=$1 free=$2 mnt fill available keep
    mnt=$(host_data "$i")/docker
    fill=$mnt/$LAB_FILL_FILE
    host_disk_mounted "$i" || die "$(host_name "$i")'s data root is not a lab disk of its own (only $(host_name "$LAB_SMALL_DISK_HOST") has one, on a machine with loop devices; a lab brought up by an older scripts/lab needs scripts/lab down, then up)"
    keep=$(numfmt --from=iec "${free^^}") || die "fill: not a size: $free (say 0, 512k, 2m)"
    rm -f "$fill" "$fill.2"
    available=$(df -B1 --output=avail "$mnt" | tail -n 1 | tr -d ' ')
    if [ "$available" -gt "$keep" ]; then
        # Leave room for the extent tree fallocate needs, then top up block by block.
        fallocate -l $((available - keep - 1048576 > 0 ? available - keep - 1048576 : 0)) "$fill" 2>/dev/null || : >"$fill"
    fi
    # Top up until the free space holds still: blocks the file system or dockerd frees a moment
    # later (preallocations dropped when a file closes, a temporary file removed) are taken too.
    local round blocks
    for round in 1 2 3 4 5 6 7 8; do
        sync -f "$mnt"
        available=$(df -B1 --output=avail "$mnt" | tail -n 1 | tr -d ' ')
        blocks=$(((available - keep) / 4096))
        if [ "$keep" -eq 0 ] && [ "$available" -gt 0 ] && [ "$blocks" -eq 0 ]; then blocks=1; fi
        [ "$blocks" -gt 0 ] || break
        dd if=/dev/zero of="$fill.2" bs=4096 count="$blocks" oflag=append conv=notrunc status=none 2>/dev/null || true
        [ "$round" -eq 1 ] || sleep 0.2
    done
    sync -f "$mnt"
    available=$(df -B1 --output=avail "$mnt" | tail -n 1 | tr -d ' ')
    if [ "$keep" -eq 0 ] && [ "$available" -ne 0 ]; then
        die "$mnt still has $available bytes free after filling it"
    fi
    say "data root $mnt filled: $available bytes free"
}

host_disk_unfill() {
    local mnt
    mnt=$(host_data "$1")/docker
    if [ -e "$mnt/$LAB_FILL_FILE" ] || [ -e "$mnt/$LAB_FILL_FILE.2" ]; then
        rm -f "$mnt/$LAB_FILL_FILE" "$mnt/$LAB_FILL_FILE.2"
        return 0
    fi
    return 1
}

# "N% full" for host I's own data root file system, or nothing.
host_disk_usage() {
    host_disk_mounted "$1" || return 0
    df --output=pcent "$(host_data "$1")/docker" | tail -n 1 | tr -d ' '
}
