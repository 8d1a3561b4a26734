# shellcheck shell=bash
# What a client needs to reach the lab: the inventory, known_hosts and an ssh config.

# inventory_yaml N: the Ansible inventory of a lab of N hosts. inventory/lab.yml in the
# repository is exactly `inventory_yaml 4`.
inventory_yaml() {
    local count=$1 i
    cat <<EOF
# The molt lab fleet: $count hosts on one machine, each a network namespace with its own
# sshd and Docker engine, brought up by \`scripts/lab up $count\` (run as root; see
# scripts/lab). \`scripts/lab up N\` writes this file to $LAB_INVENTORY;
# inventory/lab.yml in the repository is \`scripts/lab inventory 4\`.
#
#   lab1..lab$count    $(host_addr 1)..  SSH as $LAB_USER (ports 22 and 2222), Docker at /run/molt-lab/labN/docker.sock
#   registry      $LAB_REGISTRY (plain HTTP): molt-lab/web:1.0,2.0,2.1-broken, molt-lab/cache:1.0,1.1,
#                 molt-lab/db:1.0,2.0,2.1-corrupt
#   known_hosts   $LAB_KNOWN_HOSTS (also .hashed, .port2222)
#   services      web (web:1.0, port 8080, volume web-data) on every host,
#                 cache (cache:1.0, port 6380) on lab1 and lab2,
#                 db (db:1.0, port 5433, volume db-data) on lab3 and lab4
all:
  vars:
    ansible_user: $LAB_USER
    ansible_ssh_private_key_file: $LAB_KEY
    known_hosts: $LAB_KNOWN_HOSTS
  children:
    lab:
      hosts:
EOF
    for ((i = 1; i <= count; i++)); do
        cat <<EOF
        $(host_name "$i"):
          ansible_host: $(host_addr "$i")
          docker_socket: $(host_socket "$i")
EOF
    done
    cat <<EOF
    canary:
      hosts:
        lab1:
    web:
      children:
        lab:
    cache:
      hosts:
EOF
    for ((i = 1; i <= count && i <= 2; i++)); do
        printf '        %s:\n' "$(host_name "$i")"
    done
    # A lab of fewer than 3 hosts has no db: the group is there, empty.
    printf '    db:\n'
    [ "$count" -lt 3 ] || printf '      hosts:\n'
    for ((i = 3; i <= count && i <= 4; i++)); do
        printf '        %s:\n' "$(host_name "$i")"
    done
}

# The user who ran `sudo scripts/lab …` (or root): the client files are made readable to them.
lab_invoker() {
    if [ -n "${SUDO_UID:-}" ] && [ "${SUDO_UID}" != 0 ] && getent passwd "$SUDO_UID" >/dev/null; then
        printf '%s:%s' "$SUDO_UID" "${SUDO_GID:-$SUDO_UID}"
    else
        printf '0:0'
    fi
}

# The client key pair. The private key belongs to the invoking user (ssh and libssh2 want
# it readable by its user only); root reads it anyway.
client_key_create() {
    install -d -m 755 "$LAB_CLIENT"
    rm -f "$LAB_KEY" "$LAB_KEY.pub"
    ssh-keygen -q -t ed25519 -N '' -C "molt-lab client" -f "$LAB_KEY"
    chown "$(lab_invoker)" "$LAB_KEY" "$LAB_KEY.pub"
    chmod 600 "$LAB_KEY"
}

# Writes the inventory, the known_hosts files made from the hosts' own public keys, an
# ssh config with an entry per host, a home directory using it, and an `ssh` wrapper.
client_files_write() {
    local count=$1 i addr key tmp
    inventory_yaml "$count" >"$LAB_INVENTORY.new"
    mv "$LAB_INVENTORY.new" "$LAB_INVENTORY"

    : >"$LAB_KNOWN_HOSTS.new"
    : >"$LAB_KNOWN_HOSTS_2222.new"
    for ((i = 1; i <= count; i++)); do
        addr=$(host_addr "$i")
        read -r -a key <"$(host_data "$i")/ssh_host_ed25519_key.pub"
        printf '%s %s %s\n' "$addr" "${key[0]}" "${key[1]}" >>"$LAB_KNOWN_HOSTS.new"
        printf '[%s]:2222 %s %s\n' "$addr" "${key[0]}" "${key[1]}" >>"$LAB_KNOWN_HOSTS_2222.new"
    done
    cp "$LAB_KNOWN_HOSTS.new" "$LAB_KNOWN_HOSTS_HASHED.new"
    ssh-keygen -q -H -f "$LAB_KNOWN_HOSTS_HASHED.new" >/dev/null 2>&1
    rm -f "$LAB_KNOWN_HOSTS_HASHED.new.old"
    for tmp in "$LAB_KNOWN_HOSTS" "$LAB_KNOWN_HOSTS_HASHED" "$LAB_KNOWN_HOSTS_2222"; do
        chmod 644 "$tmp.new"
        mv "$tmp.new" "$tmp"
    done

    {
        printf '# ssh to the molt lab (scripts/lab): ssh -F %s lab1\n' "$LAB_SSH_CONFIG"
        printf '# Port 2222 works too: -p 2222 -o UserKnownHostsFile=%s\n' "$LAB_KNOWN_HOSTS_2222"
        for ((i = 1; i <= count; i++)); do
            cat <<EOF
Host $(host_name "$i")
  HostName $(host_addr "$i")
  User $LAB_USER
  IdentityFile $LAB_KEY
  IdentitiesOnly yes
  UserKnownHostsFile $LAB_KNOWN_HOSTS
EOF
        done
        cat <<EOF
Host lab* $LAB_NET.*
  User $LAB_USER
  IdentityFile $LAB_KEY
  IdentitiesOnly yes
  UserKnownHostsFile $LAB_KNOWN_HOSTS
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 5
EOF
    } >"$LAB_SSH_CONFIG"
    chmod 644 "$LAB_SSH_CONFIG"

    install -d -m 755 "$LAB_CLIENT_HOME" "$LAB_CLIENT_HOME/.ssh"
    ln -sfn "$LAB_SSH_CONFIG" "$LAB_CLIENT_HOME/.ssh/config"

    install -d -m 755 "$LAB_SSH_BIN"
    cat >"$LAB_SSH_BIN/ssh" <<EOF
#!/bin/sh
# ssh with the molt lab's ssh_config, for tools that run plain \`ssh\` (OpenSSH reads
# ~/.ssh/config from the passwd home directory, not from \$HOME):
#   PATH=$LAB_SSH_BIN:\$PATH docker -H ssh://lab1 ps
exec $(command -v ssh) -F $LAB_SSH_CONFIG "\$@"
EOF
    chmod 755 "$LAB_SSH_BIN/ssh"
}
