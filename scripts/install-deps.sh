#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, if any is missing. Idempotent; needs root to install.
set -euo pipefail

packages=(
    make
    # GRDB builds against the system SQLite.
    libsqlite3-dev
    # The controller's PostgreSQL tests run a throwaway cluster of their own.
    postgresql
    # The daemon applies addresses and routes with `ip`; the namespace tests build their hosts with it and ping.
    iproute2
    iputils-ping
    # The backplane tests: one Docker engine per host namespace, a busybox image made locally, NAT and loss with
    # iptables, TCP across hosts with iperf3.
    docker.io
    containerd
    runc
    busybox-static
    iptables
    iperf3
    # The daemon tests call the local API from inside namespaces.
    curl
    # The CNI plugin's tests: pods of podman's CNI backend on lab hosts (and the reference plugins next to ours).
    podman
    containernetworking-plugins
    # DNS: the server is asked by a real client (dig) and by a real recursive resolver (unbound), forwarding and
    # stubbing the network's domain.
    bind9-dnsutils
    unbound
    # The web UI is tested in a real browser: Chromium, driven over WebDriver by chromedriver.
    chromium
    chromium-driver
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The allowDNS test drives a real systemd-resolved (and resolvectl) in a lab host's namespaces. Installing the package
# would point the machine's own /etc/resolv.conf at a stub nobody serves here, so it is unpacked, not installed.
resolved_dir=/var/cache/sixplane-tests/systemd-resolved
unpack_resolved() {
    [ -x "$resolved_dir/lib/systemd/systemd-resolved" ] && return 0
    [ "$(id -u)" -eq 0 ] || return 0
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && apt-get download -qq systemd-resolved >/dev/null 2>&1 || { apt-get update -qq && apt-get download -qq systemd-resolved; }) || { rm -rf "$tmp"; return 0; }
    mkdir -p "$resolved_dir"
    dpkg-deb -x "$tmp"/systemd-resolved_*.deb "$resolved_dir"
    rm -rf "$tmp"
}
if [ ${#missing[@]} -eq 0 ]; then
    unpack_resolved
    exit 0
fi
echo "installing: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing Debian packages (${missing[*]}) and not root; install them and retry" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Installing docker.io must not start an engine in the machine's own namespace (it would turn on IPv4 forwarding
# there): the tests start their own engines inside namespaces. policy-rc.d 101 tells the package not to start it.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod +x "$policy"
    made_policy=1
fi
trap '[ "$made_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
unpack_resolved
