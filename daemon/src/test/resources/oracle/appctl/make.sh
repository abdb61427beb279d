#!/usr/bin/env bash
# Records what real Open vSwitch 3.1 prints for the operator's commands (pmd-stats-show,
# pmd-rxq-show, pmd-perf-show, dpctl/show [-s], dpctl/dump-flows with filters) after the packets
# of packets.txt went through the rules of flows.txt, one at a time, on a netdev bridge whose
# ports p1 (OpenFlow port 1) and p2 (port 2) are dummy-pmd ports polled by one PMD thread.
# AppctlOutputAgreementTest sends the same packets through Flowgate and compares line by line.
#
# Run as root from anywhere, with Debian's openvswitch-switch installed:
#     daemon/src/test/resources/oracle/appctl/make.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sandbox="$here/../../../../../../ci/ovs/sandbox"
dir=$(mktemp -d)
trap '"$sandbox" stop "$dir"; rm -rf "$dir"' EXIT
"$sandbox" start "$dir" other_config:pmd-cpu-mask=0x1
S() { "$sandbox" run "$dir" "$@"; }
S ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
    -- add-port br0 p1 -- set Interface p1 type=dummy-pmd ofport_request=1 \
    -- add-port br0 p2 -- set Interface p2 type=dummy-pmd ofport_request=2
S ovs-ofctl add-flows br0 "$here/flows.txt"
S ovs-appctl dpif-netdev/pmd-stats-clear
while read -r packet; do
    S ovs-appctl netdev-dummy/receive p1 "$packet" >/dev/null
done < "$here/packets.txt"
S ovs-appctl revalidator/wait
record() { # FILE COMMAND...
    local out=$1; shift
    S ovs-appctl "$@" > "$here/$out"
}
record ovs-pmd-stats-show.txt dpif-netdev/pmd-stats-show
record ovs-pmd-rxq-show.txt dpif-netdev/pmd-rxq-show
record ovs-pmd-perf-show.txt dpif-netdev/pmd-perf-show
record ovs-dpctl-show.txt dpctl/show
record ovs-dpctl-show-s.txt dpctl/show -s
record ovs-dump-flows.txt dpctl/dump-flows
record ovs-dump-flows-m.txt dpctl/dump-flows -m
record ovs-dump-flows-filter-udp.txt dpctl/dump-flows filter=udp
record ovs-dump-flows-filter-tcp-dst.txt dpctl/dump-flows 'filter=tcp,nw_dst=10.0.0.2'
record ovs-dump-flows-type-offloaded.txt dpctl/dump-flows type=offloaded
echo "recorded in $here"
