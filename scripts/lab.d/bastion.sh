# shellcheck shell=bash
# Bastion mode: the lab as most real fleets are, reachable only through a jump host.
#
# With bastion mode on, hosts 2..N refuse SSH from this machine (a REJECT rule in their own
# namespaces, so a connection attempt is refused at once, never left hanging) and accept it
# from the other lab hosts: lab1 is the bastion. Docker, the registry and everything else
# work as before. The client files written by `up` include two inventories that reach the
# hosts through lab1 anyway, and an ssh config that does the same for OpenSSH.

LAB_BASTION_STATE=$LAB_RUN/bastion
LAB_BASTION_CONFIG=$LAB_CLIENT/ssh_config.bastion          # Host aliases with ProxyJump lab1
LAB_INVENTORY_PROXYJUMP=$LAB_DATA/inventory-proxyjump.yml  # ansible_ssh_common_args: -o ProxyJump=…
LAB_INVENTORY_SSH_CONFIG=$LAB_DATA/inventory-ssh-config.yml # hosts named by ssh_config aliases
LAB_BASTION_COMMENT=molt-lab-bastion

# New connections only (--syn): sessions opened before bastion mode was turned on live on,
# as they would when a firewall rule changes under them.
bastion_rule() {
    printf '%s\n' -s "$LAB_GATEWAY" -p tcp --syn -m multiport --dports "${LAB_SSH_PORTS// /,}" \
        -m comment --comment "$LAB_BASTION_COMMENT" -j REJECT --reject-with tcp-reset
}

# bastion_host_apply I on|off: host I refuses (or accepts again) SSH from this machine.
bastion_host_apply() {
    local i=$1 state=$2 ns
    ns=$(host_ns "$i")
    local -a rule
    mapfile -t rule < <(bastion_rule)
    # Remove every copy first, so on/off can be repeated and never stacks rules.
    while in_ns "$ns" iptables -w -C INPUT "${rule[@]}" 2>/dev/null; do
        in_ns "$ns" iptables -w -D INPUT "${rule[@]}"
    done
    if [ "$state" = on ]; then
        in_ns "$ns" iptables -w -I INPUT 1 "${rule[@]}"
    fi
}

bastion_is_on() { [ -e "$LAB_BASTION_STATE" ]; }

# bastion_set on|off: turns bastion mode on or off for every host but lab1.
bastion_set() {
    local state=$1 name i
    for name in $(lab_hosts); do
        i=${name#lab}
        [ "$i" -eq 1 ] && continue
        bastion_host_apply "$i" "$state"
    done
    if [ "$state" = on ]; then
        : >"$LAB_BASTION_STATE"
    else
        rm -f "$LAB_BASTION_STATE"
    fi
}

# The ssh config for the bastion form: every host by its lab name, hosts 2..N through lab1.
bastion_ssh_config() {
    local count=$1 i
    printf '# The molt lab behind a bastion (scripts/lab bastion on): lab1 is reached directly,\n'
    printf '# the other hosts through it (lab3 through lab2). ssh -F %s lab2\n' "$LAB_BASTION_CONFIG"
    for ((i = 1; i <= count; i++)); do
        printf 'Host %s\n  HostName %s\n' "$(host_name "$i")" "$(host_addr "$i")"
        # lab3 goes through lab2, itself reached through lab1: a chain made of aliases.
        if [ "$i" -eq 3 ]; then
            printf '  ProxyJump %s\n' "$(host_name 2)"
        elif [ "$i" -ne 1 ]; then
            printf '  ProxyJump %s\n' "$(host_name 1)"
        fi
    done
    cat <<EOF
Host *
  User $LAB_USER
  IdentityFile $LAB_KEY
  IdentitiesOnly yes
  UserKnownHostsFile $LAB_KNOWN_HOSTS
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 5
EOF
}

# bastion_inventory N FORM: an inventory of the lab in one of the bastion forms:
#   proxyjump   ansible_host addresses, hosts 2..N with ansible_ssh_common_args ProxyJump
#   ssh-config  no addresses: the names are ssh_config aliases (ssh_config var)
bastion_inventory() {
    local count=$1 form=$2 i
    local written=$LAB_INVENTORY_PROXYJUMP
    [ "$form" = proxyjump ] || written=$LAB_INVENTORY_SSH_CONFIG
    cat <<EOF
# The molt lab reached through a bastion, lab1 (\`scripts/lab bastion on\` makes hosts 2..N
# refuse SSH from this machine). \`scripts/lab up $count\` writes this file to $written;
# inventory/lab-$form.yml in the repository is \`scripts/lab inventory 4 $form\`.
EOF
    if [ "$form" = proxyjump ]; then
        cat <<EOF
# The Ansible way: ansible_ssh_common_args with -o ProxyJump, exactly as an Ansible playbook
# would reach these hosts. lab3 goes through two hops, lab1 then lab2.
all:
  vars:
    ansible_user: $LAB_USER
    ansible_ssh_private_key_file: $LAB_KEY
    known_hosts: $LAB_KNOWN_HOSTS
  children:
    lab:
      hosts:
EOF
    else
        cat <<EOF
# The OpenSSH way: the hosts are aliases defined in an ssh config, which says where they are,
# as whom to log in, with which key and through which jump host.
all:
  vars:
    ssh_config: $LAB_BASTION_CONFIG
  children:
    lab:
      hosts:
EOF
    fi
    for ((i = 1; i <= count; i++)); do
        printf '        %s:\n' "$(host_name "$i")"
        if [ "$form" = proxyjump ]; then
            printf '          ansible_host: %s\n' "$(host_addr "$i")"
            if [ "$i" -eq 3 ]; then
                printf "          ansible_ssh_common_args: '-o ProxyJump=%s@%s,%s@%s'\n" \
                    "$LAB_USER" "$(host_addr 1)" "$LAB_USER" "$(host_addr 2)"
            elif [ "$i" -ne 1 ]; then
                printf "          ansible_ssh_common_args: '-o ProxyJump=%s@%s'\n" "$LAB_USER" "$(host_addr 1)"
            fi
        fi
        printf '          docker_socket: %s\n' "$(host_socket "$i")"
    done
    cat <<EOF
    web:
      children:
        lab:
EOF
}

bastion_files_write() {
    local count=$1
    bastion_ssh_config "$count" >"$LAB_BASTION_CONFIG.new"
    chmod 644 "$LAB_BASTION_CONFIG.new"
    mv "$LAB_BASTION_CONFIG.new" "$LAB_BASTION_CONFIG"
    bastion_inventory "$count" proxyjump >"$LAB_INVENTORY_PROXYJUMP.new"
    mv "$LAB_INVENTORY_PROXYJUMP.new" "$LAB_INVENTORY_PROXYJUMP"
    bastion_inventory "$count" ssh-config >"$LAB_INVENTORY_SSH_CONFIG.new"
    mv "$LAB_INVENTORY_SSH_CONFIG.new" "$LAB_INVENTORY_SSH_CONFIG"
}
