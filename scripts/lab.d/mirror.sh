# shellcheck shell=bash
# The lab's package mirror: BusyBox httpd in the registry's namespace at http://10.247.213.2/
# (port 80), serving what an emergency needs before the rebuilt images exist, laid out as a
# Debian mirror is: the fixed OpenSSL, libssl3 3.0.15-1~deb12u1, at
#   http://10.247.213.2/debian/pool/main/o/openssl/libssl3_3.0.15-1~deb12u1_amd64.deb
# The lab has no internet access, so the package is made at `up` with dpkg-deb: a real .deb
# (control and data archives) whose only file is a marker, /usr/share/doc/libssl3/molt-lab-fixed.
# Installed with BusyBox's `dpkg -i` inside a lab web or db container (which is what the README's
# emergency does through `molt patch`), it replaces libssl3 in the container's dpkg database.

LAB_MIRROR_DIR=$LAB_DATA/mirror
LAB_MIRROR_ROOT=$LAB_MIRROR_DIR/www
LAB_MIRROR_PID=$LAB_RUN/mirror.pid
LAB_MIRROR=$LAB_REGISTRY_ADDR:80
LAB_MIRROR_URL=http://$LAB_REGISTRY_ADDR
LAB_MIRROR_LIBSSL3=debian/pool/main/o/openssl/libssl3_3.0.15-1~deb12u1_amd64.deb

# Builds the packages the mirror serves (again, when they are missing).
mirror_build() {
    command -v dpkg-deb >/dev/null || die "dpkg-deb not found: install dpkg"
    local package=$LAB_MIRROR_DIR/build/libssl3
    rm -rf "$package"
    install -d "$package/DEBIAN" "$package/usr/share/doc/libssl3" "$(dirname "$LAB_MIRROR_ROOT/$LAB_MIRROR_LIBSSL3")"
    cat >"$package/DEBIAN/control" <<'EOF'
Package: libssl3
Version: 3.0.15-1~deb12u1
Architecture: amd64
Maintainer: molt lab <molt-lab@localhost>
Installed-Size: 1
Depends: libc6 (>= 2.34)
Section: libs
Priority: optional
Source: openssl
Multi-Arch: same
Homepage: https://www.openssl.org/
Description: Secure Sockets Layer toolkit - shared libraries (the molt lab's stand-in)
 The molt lab's stand-in for Debian 12's fixed OpenSSL, served by the lab's package
 mirror. It carries only a marker file; its version is what molt find and molt audit read.
EOF
    printf 'libssl3 3.0.15-1~deb12u1: the molt lab package mirror'"'"'s stand-in for the fixed OpenSSL\n' \
        >"$package/usr/share/doc/libssl3/molt-lab-fixed"
    chmod -R go-w "$package"
    # gzip, not dpkg-deb's default xz: BusyBox's dpkg reads either, gzip on every build of it.
    dpkg-deb --root-owner-group -Zgzip --build "$package" "$LAB_MIRROR_ROOT/$LAB_MIRROR_LIBSSL3" >/dev/null ||
        die "dpkg-deb could not build $LAB_MIRROR_LIBSSL3"
}

mirror_start() {
    [ -s "$LAB_MIRROR_ROOT/$LAB_MIRROR_LIBSSL3" ] || mirror_build
    # -f: in the foreground, so the PID spawn records is httpd's own; -v: a log line per request.
    spawn "$LAB_MIRROR_DIR/httpd.log" "$LAB_MIRROR_PID" \
        nsenter --net="/var/run/netns/$LAB_REGISTRY_NS" \
        busybox httpd -f -v -p "$LAB_MIRROR" -h "$LAB_MIRROR_ROOT"
}

mirror_ready() { http_get "$LAB_MIRROR_URL/$LAB_MIRROR_LIBSSL3" >/dev/null; }

mirror_wait() { wait_or_show 20 "the package mirror at $LAB_MIRROR_URL" "$LAB_MIRROR_DIR/httpd.log" mirror_ready; }

mirror_alive() { pid_alive "$(read_pid "$LAB_MIRROR_PID")" "$LAB_MIRROR_ROOT"; }

mirror_stop() {
    stop_pid "$(read_pid "$LAB_MIRROR_PID")" "$LAB_MIRROR_ROOT" "the package mirror" 10
}
