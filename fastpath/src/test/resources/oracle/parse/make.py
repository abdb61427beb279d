#!/usr/bin/python3
"""Builds the parser's oracle data: packets of every protocol Flowgate parses, well-formed and
malformed, written as packets.pcap, packets.pcapng (scapy) and packets.editcap.pcapng (Wireshark's
editcap), all holding the same packets, and for each packet the
'Flow:' line that real Open vSwitch 3.1 prints for it with `ofproto/trace br0 in_port=1 HEX`
(flows.txt, one line per packet). The Java parser tests check that Flowgate parses each packet
into the same flow.

Run as root from this directory, with Debian's python3-scapy, tshark and openvswitch-switch
installed:
    /usr/bin/python3 make.py
"""
import os
import subprocess
import sys
import tempfile

from scapy.all import (ARP, ICMP, IP, SCTP, TCP, UDP, Dot1AD, Dot1Q, Ether, ICMPv6EchoRequest,
                       ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr,
                       IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, LLC, SNAP, Raw, Dot3, PcapNgWriter, wrpcap)
from scapy.contrib.igmp import IGMP
from scapy.layers.ipsec import AH

HERE = os.path.dirname(os.path.abspath(__file__))
SANDBOX = os.path.join(HERE, "../../../../../../ci/ovs/sandbox")

A, B = "02:00:00:00:00:0a", "02:00:00:00:00:0b"


def eth(**kw):
    return Ether(src=A, dst=B, **kw)


def cut(pkt, n):
    """The first n bytes of pkt, as a raw Ethernet frame."""
    return Ether(bytes(pkt)[:n])


def raw(hexstr):
    return Ether(bytes.fromhex(hexstr))


packets = [
    # IPv4
    eth() / IP(src="10.0.0.1", dst="10.1.2.3", tos=0x2e, ttl=17) / UDP(sport=1234, dport=80) / Raw(b"x" * 10),
    eth() / IP(src="192.168.1.1", dst="172.16.0.9") / TCP(sport=40000, dport=443, flags="SA", options=[("MSS", 1460), ("NOP", None), ("NOP", None), ("SAckOK", b"")]),
    eth() / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=1, dport=2, flags="FPU") / Raw(b"data"),
    eth() / IP(src="10.0.0.1", dst="10.0.0.2") / SCTP(sport=5000, dport=6000),
    eth() / IP(src="10.0.0.1", dst="10.0.0.2") / ICMP(type=8, code=0, id=7, seq=1),
    eth() / IP(src="10.0.0.1", dst="10.0.0.2") / ICMP(type=3, code=4),
    eth() / IP(src="10.0.0.1", dst="224.0.0.22") / IGMP(type=0x16, gaddr="224.1.1.1"),
    eth() / IP(src="10.0.0.1", dst="10.0.0.2", flags="MF", frag=0, proto=17) / UDP(sport=7, dport=8) / Raw(b"y" * 16),
    eth() / IP(src="10.0.0.1", dst="10.0.0.2", frag=100, proto=17) / Raw(b"z" * 16),
    eth() / IP(src="10.0.0.1", dst="10.0.0.2", flags="MF", frag=3, proto=6) / Raw(b"z" * 24),
    eth() / IP(src="10.0.0.1", dst="10.0.0.2", flags="DF") / UDP(sport=9, dport=10),
    eth() / IP(src="10.0.0.1", dst="10.0.0.2", ihl=4) / UDP(),
    eth() / IP(src="10.0.0.1", dst="10.0.0.2", ihl=15) / UDP(),
    eth() / IP(src="10.0.0.1", dst="10.0.0.2", len=400) / UDP(),
    eth() / IP(src="10.0.0.1", dst="10.0.0.2", len=19) / UDP(),
    cut(eth() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(), 14 + 19),
    eth() / IP(src="10.0.0.1", dst="10.0.0.2", proto=6) / Raw(bytes.fromhex("0001000200000000000000004002ffff0000000000000000")),
    cut(eth() / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=3, dport=4), 14 + 20 + 12),
    cut(eth() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=3, dport=4), 14 + 20 + 6),
    eth() / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=5, dport=6, dataofs=15),
    eth() / IP(src="10.0.0.1", dst="10.0.0.2", len=20 + 8) / UDP(sport=11, dport=12) / Raw(b"\0" * 30),
    eth() / IP(version=6, src="10.0.0.1", dst="10.0.0.2") / UDP(sport=13, dport=14),
    eth() / IP(src="10.0.0.1", dst="10.0.0.2", proto=47) / Raw(b"\0" * 8),
    eth() / IP(src="10.0.0.1", dst="10.0.0.2", options=[b"\x94\x04\x00\x00"]) / TCP(sport=15, dport=16),
    # VLAN
    eth() / Dot1Q(vlan=100, prio=5) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2),
    eth() / Dot1Q(vlan=4095, prio=7, id=1) / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=1, dport=2),
    eth() / Dot1AD(vlan=20, prio=1) / Dot1Q(vlan=30) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(),
    eth() / Dot1Q(vlan=7) / Dot1Q(vlan=8) / IPv6() / UDP(),
    eth() / Dot1AD(vlan=0) / ARP(),
    raw("02000000000b02000000000a8100"),
    raw("02000000000b02000000000a810000"),
    raw("02000000000b02000000000a8100006408"),
    # ARP and RARP
    eth() / ARP(op=1, hwsrc=A, psrc="10.0.0.1", pdst="10.0.0.2"),
    Ether(src=A, dst="ff:ff:ff:ff:ff:ff") / ARP(op=2, hwsrc="aa:bb:cc:dd:ee:ff", psrc="1.2.3.4", hwdst=A, pdst="5.6.7.8"),
    eth() / ARP(op=0x100, psrc="1.2.3.4", pdst="5.6.7.8"),
    eth() / ARP(op=255, psrc="1.2.3.4", pdst="5.6.7.8"),
    cut(eth() / ARP(op=1, psrc="1.2.3.4", pdst="5.6.7.8"), 14 + 27),
    eth() / ARP(hwtype=6, op=1, psrc="1.2.3.4", pdst="5.6.7.8"),
    eth() / ARP(plen=16, op=1, psrc="1.2.3.4", pdst="5.6.7.8"),
    Ether(src=A, dst=B, type=0x8035) / ARP(op=3, hwsrc=A, hwdst=A),
    # Other L2
    Dot3(src=A, dst=B) / LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0, code=0x0800) / IP(src="10.9.9.9", dst="10.8.8.8") / UDP(sport=1, dport=2),
    Dot3(src=A, dst=B) / LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0x00000c, code=0x2000) / Raw(b"\0" * 20),
    Dot3(src=A, dst=B) / LLC(dsap=0x42, ssap=0x42, ctrl=3) / Raw(b"\0" * 30),
    raw("02000000000b02000000000a0040aaaa03"),
    Ether(src=A, dst="01:80:c2:00:00:0e", type=0x88cc) / Raw(b"\0" * 40),
    Ether(src=A, dst=B, type=0x0600) / Raw(b"\0" * 40),
    Dot3(src=A, dst=B) / LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0, code=0x0200) / Raw(b"\0" * 20),
    # IPv6
    eth() / IPv6(src="2001:db8::1", dst="2001:db8:1::2", tc=0x21, fl=0x12345, hlim=9) / UDP(sport=53, dport=5353),
    eth() / IPv6(src="fe80::1", dst="ff02::1") / TCP(sport=22, dport=2222, flags="S"),
    eth() / IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting() / IPv6ExtHdrDestOpt() / UDP(sport=1, dport=2),
    eth() / IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrFragment(offset=0, m=1) / TCP(sport=3, dport=4),
    eth() / IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrFragment(offset=185, m=0, nh=6) / Raw(b"\0" * 24),
    eth() / IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrFragment(offset=0, m=0) / UDP(sport=5, dport=6),
    eth() / IPv6(src="2001:db8::1", dst="2001:db8::2") / AH(nh=6, payloadlen=4, icv=b"\0" * 12) / TCP(sport=7, dport=8),
    eth() / IPv6(src="2001:db8::1", dst="2001:db8::2", nh=0, plen=8) / Raw(bytes.fromhex("1105000000000000")),
    eth() / IPv6(src="2001:db8::1", dst="2001:db8::2", nh=60, plen=4) / Raw(bytes.fromhex("11000000")),
    cut(eth() / IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(), 14 + 39),
    eth() / IPv6(src="2001:db8::1", dst="2001:db8::2", plen=200) / UDP(),
    eth() / IPv6(src="2001:db8::1", dst="2001:db8::2", plen=4) / UDP(sport=1, dport=2),
    eth() / IPv6(src="2001:db8::1", dst="2001:db8::2") / ICMPv6EchoRequest(id=1, seq=2),
    eth() / IPv6(src="fe80::1", dst="ff02::1:ff00:5") / ICMPv6ND_NS(tgt="2001:db8::5") / ICMPv6NDOptSrcLLAddr(lladdr="11:22:33:44:55:66"),
    eth() / IPv6(src="fe80::2", dst="fe80::1") / ICMPv6ND_NA(tgt="2001:db8::6", R=0, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr="66:55:44:33:22:11"),
    eth() / IPv6(src="fe80::1", dst="ff02::1:ff00:5") / ICMPv6ND_NS(tgt="2001:db8::5") / ICMPv6NDOptSrcLLAddr(lladdr="11:22:33:44:55:66") / ICMPv6NDOptSrcLLAddr(lladdr="11:22:33:44:55:77"),
    eth() / IPv6(src="fe80::1", dst="ff02::1:ff00:5") / ICMPv6ND_NS(tgt="2001:db8::5", code=1),
    eth() / IPv6(src="fe80::1", dst="ff02::1:ff00:5") / ICMPv6ND_NS(tgt="2001:db8::5"),
    eth() / IPv6(src="2001:db8::1", dst="2001:db8::2") / SCTP(sport=1, dport=2),
    eth() / IPv6(src="2001:db8::1", dst="2001:db8::2", nh=59) / Raw(b"\0" * 8),
    eth() / IPv6(src="::ffff:10.0.0.1", dst="::1") / UDP(sport=1, dport=2),
]


def main():
    frames = [bytes(p) for p in packets]
    captured = [Ether(f) for f in frames]
    for i, c in enumerate(captured):
        c.time = 1763700000 + i + 0.000125 * i
    wrpcap(os.path.join(HERE, "packets.pcap"), captured, linktype=1)
    with PcapNgWriter(os.path.join(HERE, "packets.pcapng")) as w:
        for c in captured:
            w.write(c)
    # The same packets as converted by Wireshark's editcap: a second, independent pcapng writer.
    subprocess.run(["editcap", "-F", "pcapng", os.path.join(HERE, "packets.pcap"),
                    os.path.join(HERE, "packets.editcap.pcapng")], check=True)

    scratch = tempfile.mkdtemp(prefix="fg-ovs-")
    subprocess.run([SANDBOX, "start", scratch], check=True)
    try:
        def ovs(*args):
            return subprocess.run([SANDBOX, "run", scratch, *args], check=True, capture_output=True,
                                  text=True).stdout
        ovs("ovs-vsctl", "add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev",
            "--", "add-port", "br0", "p1", "--", "set", "interface", "p1", "type=dummy", "ofport_request=1")
        lines = []
        for f in frames:
            out = ovs("ovs-appctl", "ofproto/trace", "br0", "in_port=1", f.hex())
            flow = next(l for l in out.splitlines() if l.startswith("Flow: "))
            lines.append(flow[len("Flow: "):])
    finally:
        subprocess.run([SANDBOX, "stop", scratch], check=False)
    with open(os.path.join(HERE, "flows.txt"), "w") as out:
        out.write("# ovs-vswitchd (Open vSwitch) 3.1.0: ofproto/trace br0 in_port=1 <packet>, 'Flow:' line per packet\n")
        for l in lines:
            out.write(l + "\n")
    print(f"{len(frames)} packets", file=sys.stderr)


if __name__ == "__main__":
    main()
