# shellcheck shell=bash
# The lab network: one private /24 whose switch (a bridge) lives in its own network
# namespace, with this machine, the registry and every host plugged into it by veth pairs.
#
#   root namespace          moltlab-switch                moltlab-labI / moltlab-registry
#   moltlab0 10.247.213.1 ── moltlab-root ┐
#                                moltlab-br ├ moltlab-vI ── eth0 10.247.213.(10+I)
#                                           └ moltlab-vr ── eth0 10.247.213.2 (registry)
#
# Why the bridge is not in the root namespace: once Docker runs on a machine it loads
# br_netfilter and sets the root namespace's FORWARD policy to DROP, which would silently
# drop every frame bridged between two lab hosts (a host pulling from the registry). A
# bridge in a namespace of its own is filtered by that namespace's (empty) rules, and this
# machine's traffic to the lab is plain local traffic on moltlab0. Nothing routes beyond
# the lab: the hosts have no default route, and no ip_forward or firewall setting changes.

# A veth pair from the switch (SWITCH_END) to eth0 inside namespace NS, with ADDRESS.
plug_into_switch() {
    local switch_end=$1 ns=$2 address=$3
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$LAB_SWITCH_NS" link add "$switch_end" type veth peer name eth0 netns "$ns"
    ip -n "$LAB_SWITCH_NS" link set "$switch_end" master "$LAB_BRIDGE" up
    ip -n "$ns" addr add "$address/24" dev eth0
    ip -n "$ns" link set eth0 up
}

# What a real host that restarts services without dropping a connection on host networking
# sets: with SO_REUSEPORT two copies of a service share a port (start-first), and when the
# old copy closes its listening socket, the connections the kernel had queued on it (accepted
# by the kernel, not yet by the program) move to the new copy instead of being reset. Linux
# 5.14 and later, per network namespace.
host_network_tune() {
    local ns=$1
    if [ -e /proc/sys/net/ipv4/tcp_migrate_req ]; then
        nsenter --net="/var/run/netns/$ns" sysctl -q -w net.ipv4.tcp_migrate_req=1 >/dev/null ||
            warn "could not set net.ipv4.tcp_migrate_req=1 in $ns"
    else
        warn "this kernel ($(uname -r)) has no net.ipv4.tcp_migrate_req (Linux 5.14 and later): a start-first rollout on a shared port may reset the connections queued on the old copy"
    fi
}

network_up() {
    local count=$1 i
    if ip -4 route show "$LAB_NET.0/24" | grep -q . || ip -4 addr show | grep -q " $LAB_NET\."; then
        die "$LAB_NET.0/24 is already in use on this machine (ip -4 route / ip -4 addr): the lab needs it for itself"
    fi
    ip netns add "$LAB_SWITCH_NS"
    ip -n "$LAB_SWITCH_NS" link set lo up
    ip -n "$LAB_SWITCH_NS" link add "$LAB_BRIDGE" type bridge stp_state 0 forward_delay 0
    ip -n "$LAB_SWITCH_NS" link set "$LAB_BRIDGE" up
    ip link add "$LAB_ROOT_LINK" type veth peer name moltlab-root netns "$LAB_SWITCH_NS"
    ip -n "$LAB_SWITCH_NS" link set moltlab-root master "$LAB_BRIDGE" up
    ip addr add "$LAB_GATEWAY/24" dev "$LAB_ROOT_LINK"
    ip link set "$LAB_ROOT_LINK" up

    plug_into_switch moltlab-vr "$LAB_REGISTRY_NS" "$LAB_REGISTRY_ADDR"
    for ((i = 1; i <= count; i++)); do
        plug_into_switch "$(host_link "$i")" "$(host_ns "$i")" "$(host_addr "$i")"
        host_network_tune "$(host_ns "$i")"
    done
}

# Every lab namespace that exists, whatever state the lab is in.
lab_namespaces() {
    ip netns list 2>/dev/null | awk '{ print $1 }' | grep -E '^moltlab-' || true
}

# Removes the namespaces (and with them every veth and the bridge) and moltlab0.
# Callers stop the processes inside first and unmount what pins a namespace.
network_down() {
    local ns
    for ns in $(lab_namespaces); do
        ip netns del "$ns" 2>/dev/null || warn "could not delete network namespace $ns"
    done
    if ip link show "$LAB_ROOT_LINK" >/dev/null 2>&1; then
        ip link del "$LAB_ROOT_LINK" || warn "could not delete $LAB_ROOT_LINK"
    fi
}
