#!/usr/bin/env bash
# Records what real Open vSwitch 3.1 prints for the ofctl/ and ofproto/ commands that Flowgate
# answers in its shapes (OfctlOracleTest compares): a netdev bridge br0 with dummy ports p1..p3
# (OpenFlow ports 1..3), the rules of flows.txt, the packets of packets.txt given to
# `ovs-appctl netdev-dummy/receive PORT FLOW` one by one, then:
#   dump-ports.txt, dump-ports-3.txt   ovs-ofctl dump-ports br0 [3]
#   dump-tables.txt                    ovs-ofctl dump-tables br0
#   dump-flows-table1.txt              ovs-ofctl dump-flows br0 table=1
#   dump-flows-nw_dst.txt              ovs-ofctl dump-flows br0 ip,nw_dst=10.0.0.0/8
#   trace-flow.txt                     ovs-appctl ofproto/trace br0 in_port=1,tcp,nw_dst=10.2.0.1,tp_dst=80
#   trace-packet.txt                   ovs-appctl ofproto/trace br0 in_port=1 $(cat trace-packet.hex)
#   trace-generate.txt                 ovs-appctl ofproto/trace br0 in_port=1,tcp,nw_dst=10.2.0.1,tp_dst=80 -generate
#   trace-nested.txt                   ovs-appctl ofproto/trace br0 in_port=3,tcp,nw_dst=10.2.0.1 (resubmits that
#                                      do not end their rule, a table miss)
#   trace-loop.txt                     ovs-appctl ofproto/trace br0 in_port=2,arp (a resubmit loop)
#   trace-odp.txt                      ovs-appctl ofproto/trace ovs-netdev 'in_port(P1),eth(...),...', a
#                                      datapath flow (P1: p1's datapath port number, 1 in Flowgate)
#   trace-errors.txt                   the errors of a trace on another bridge, and of bad packets
#   mod-flows-*.txt                    ovs-ofctl dump-flows after each mod-flows (see below), the
#                                      first one more than a second after the rules were added
# Run as root from anywhere (uses ci/ovs/sandbox):  daemon/src/test/resources/oracle/ofctl/make.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sandbox="$here/../../../../../../ci/ovs/sandbox"
dir=$(mktemp -d)
trap '"$sandbox" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
"$sandbox" start "$dir"
S() { "$sandbox" run "$dir" "$@"; }
S ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
    -- add-port br0 p1 -- set Interface p1 type=dummy ofport_request=1 \
    -- add-port br0 p2 -- set Interface p2 type=dummy ofport_request=2 \
    -- add-port br0 p3 -- set Interface p3 type=dummy ofport_request=3
S ovs-ofctl del-flows br0   # the bridge starts with priority=0,actions=NORMAL
S ovs-ofctl add-flows br0 "$here/flows.txt"
added=$(date +%s.%N)
while read -r port flow; do
    S ovs-appctl netdev-dummy/receive "$port" "$flow" >/dev/null
done < "$here/packets.txt"
S ovs-appctl revalidator/wait >/dev/null
S ovs-appctl revalidator/wait >/dev/null
S ovs-ofctl dump-ports br0 > "$here/dump-ports.txt"
S ovs-ofctl dump-ports br0 3 > "$here/dump-ports-3.txt"
S ovs-ofctl dump-tables br0 > "$here/dump-tables.txt"
S ovs-ofctl dump-flows br0 table=1 > "$here/dump-flows-table1.txt"
S ovs-ofctl dump-flows br0 ip,nw_dst=10.0.0.0/8 > "$here/dump-flows-nw_dst.txt"
S ovs-appctl ofproto/trace br0 in_port=1,tcp,nw_dst=10.2.0.1,tp_dst=80 > "$here/trace-flow.txt"
S ovs-appctl ofproto/trace br0 in_port=1 "$(cat "$here/trace-packet.hex")" > "$here/trace-packet.txt"
S ovs-appctl ofproto/trace br0 in_port=1,tcp,nw_dst=10.2.0.1,tp_dst=80 -generate > "$here/trace-generate.txt"
S ovs-appctl ofproto/trace br0 in_port=3,tcp,nw_dst=10.2.0.1 > "$here/trace-nested.txt"
S ovs-appctl ofproto/trace br0 in_port=2,arp > "$here/trace-loop.txt"
p1=$(S ovs-appctl dpctl/show | sed -n 's/^  port \([0-9]*\): p1 .*/\1/p')
S ovs-appctl ofproto/trace ovs-netdev "in_port($p1),eth(src=50:54:00:00:00:05,dst=50:54:00:00:00:07),eth_type(0x0800),ipv4(src=10.0.0.9,dst=10.2.0.1,proto=6,tos=0,ttl=64,frag=no),tcp(src=1000,dst=80)" > "$here/trace-odp.txt"
{
    S ovs-appctl ofproto/trace br9 in_port=1,tcp 2>&1 | head -1 || true
    S ovs-appctl ofproto/trace br0 in_port=1 "zz$(cat "$here/trace-packet.hex")" 2>&1 | head -1 || true
    S ovs-appctl ofproto/trace br0 in_port=1 0000 2>&1 | head -1 || true
    S ovs-appctl ofproto/trace br0 in_port=1,tcp -frobnicate 2>&1 | head -1 || true
} > "$here/trace-errors.txt"
# hard_age shows only once it differs from the duration (in whole seconds).
sleep "$(echo "1.5 - ($(date +%s.%N) - $added)" | bc | sed 's/^-.*/0/')"
S ovs-ofctl mod-flows br0 ip,nw_dst=10.0.0.0/8,actions=output:1
S ovs-ofctl dump-flows br0 > "$here/mod-flows-loose.txt"
S ovs-ofctl mod-flows br0 table=1,actions=drop
S ovs-ofctl dump-flows br0 > "$here/mod-flows-table1.txt"
S ovs-ofctl mod-flows br0 actions=output:3
S ovs-ofctl dump-flows br0 > "$here/mod-flows-all.txt"
S ovs-ofctl mod-flows br0 table=5,priority=3,udp,actions=drop
S ovs-ofctl dump-flows br0 table=5 > "$here/mod-flows-adds.txt"
