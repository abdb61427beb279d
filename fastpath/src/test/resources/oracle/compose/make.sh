#!/usr/bin/env bash
# Builds the frame composer's oracle data with real Open vSwitch 3.1 (ci/ovs/sandbox): every line
# of inputs.txt is given to `ovs-appctl netdev-dummy/receive p1 FLOW [--len N]` on a bridge whose
# only rule sends port 1 to port 2, and the frame that port 2 writes to its tx_pcap file is
# recorded in compose.txt (--len, tab, flow, tab, frame in hex). Every line of errors.txt.in is
# given the same way and the error text OVS answers is recorded in errors.txt (arguments, tab,
# error). vlan-limit is 0 (no limit) so that both tags of a QinQ flow are composed.
#
# Run as root from this directory, with Debian's openvswitch-switch installed:
#     ./make.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sandbox="$here/../../../../../../ci/ovs/sandbox"
dir=$(mktemp -d)
trap '"$sandbox" stop "$dir"; rm -rf "$dir"' EXIT

"$sandbox" start "$dir" other_config:vlan-limit=0
ovs() { "$sandbox" run "$dir" "$@"; }
ovs ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev fail-mode=secure \
    -- add-port br0 p1 -- set interface p1 type=dummy ofport_request=1 \
    -- add-port br0 p2 -- set interface p2 type=dummy ofport_request=2 options:tx_pcap="$dir/p2.pcap"
ovs ovs-ofctl add-flow br0 in_port=1,actions=output:2

sent=0
: > "$here/compose.txt"
while IFS=$'\t' read -r len flow; do
    case "$len" in '#'*|'') continue ;; esac
    if [ "$len" = - ]; then
        ovs ovs-appctl netdev-dummy/receive p1 "$flow" >/dev/null
    else
        ovs ovs-appctl netdev-dummy/receive p1 "$flow" --len "$len" >/dev/null
    fi
    sent=$((sent + 1))
    for _ in $(seq 100); do
        [ "$(ovs-pcap "$dir/p2.pcap" | wc -l)" -ge "$sent" ] && break
        sleep 0.1
    done
    hex=$(ovs-pcap "$dir/p2.pcap" | sed -n "${sent}p")
    [ -n "$hex" ] || { echo "no frame for: $flow" >&2; exit 1; }
    printf '%s\t%s\t%s\n' "$len" "$flow" "$hex" >> "$here/compose.txt"
done < "$here/inputs.txt"

: > "$here/errors.txt"
while IFS= read -r line; do
    case "$line" in '#'*|'') continue ;; esac
    IFS=$'\t' read -r -a args <<< "$line"
    if err=$(ovs ovs-appctl netdev-dummy/receive p1 "${args[@]}" 2>&1 >/dev/null); then
        echo "accepted, not refused: $line" >&2; exit 1
    fi
    printf '%s\t%s\n' "$line" "$(printf '%s\n' "$err" | head -n 1)" >> "$here/errors.txt"
done < "$here/errors.txt.in"
err=$(ovs ovs-appctl netdev-dummy/receive p9 'eth()' 2>&1 >/dev/null || true)
printf '%s\t%s\n' "(port p9)" "$(printf '%s\n' "$err" | head -n 1)" >> "$here/errors.txt"
