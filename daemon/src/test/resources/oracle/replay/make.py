#!/usr/bin/python3
"""Records what real Open vSwitch 3.1 transmits for each replay scenario, so that Flowgate's
`flowgate replay` output can be compared with it byte for byte.

For every directory in scenarios/: the input captures in-N.pcap (made here with scapy, fixed
seeds, fixed timestamps) are merged by capture time and fed to a netdev bridge whose dummy ports
p1..p9 record what they transmit (options:tx_pcap=expected-N.pcap), one frame at a time with
`ovs-appctl netdev-dummy/receive pN HEX`, each confirmed with `ovs-appctl version` before the
next. Rules come from flows.txt (ovs-ofctl -O OpenFlow13 add-flows), groups from groups.txt.

Also records, in acl10k/ovs-megaflows.txt, how many megaflows OVS installs for 10,000 distinct
UDP 5-tuples through the seven-rule ACL of acl10k/flows.txt.

Run as root from this directory with Debian's python3-scapy and openvswitch-switch:
    /usr/bin/python3 make.py
"""
import os
import random
import re
import subprocess
import tempfile

from scapy.all import (ARP, ICMP, IP, SCTP, TCP, UDP, Dot1Q, Dot1AD, Ether, ICMPv6EchoRequest, ICMPv6ND_NS,
                       ICMPv6NDOptSrcLLAddr, IPv6, Raw, rdpcap, wrpcap)

HERE = os.path.dirname(os.path.abspath(__file__))
SANDBOX = os.path.join(HERE, "../../../../../../ci/ovs/sandbox")
PORTS = 9
A, B, R = "02:00:00:00:00:0a", "02:00:00:00:00:0b", "02:00:00:00:01:00"


def stamp(packets, start, step=0.001):
    for i, p in enumerate(packets):
        p.time = start + i * step
    return packets


def l3_inputs():
    rnd = random.Random(1)
    pkts = []
    for i in range(40):
        dst = rnd.choice(["10.1.8.9", "10.1.9.1", "10.200.3.4", "11.0.0.1", "192.168.7.7", "10.1.8.200"])
        ttl = rnd.choice([64, 64, 64, 2, 1])
        kind = i % 5
        if kind == 0:
            p = Ether(src=A, dst=B) / IP(src="172.16.0.1", dst=dst, ttl=ttl) / TCP(sport=1000 + i, dport=80, flags="S")
        elif kind == 1:
            p = Ether(src=A, dst=B) / IP(src="172.16.0.1", dst=dst, ttl=ttl) / UDP(sport=2000 + i, dport=53) / Raw(b"q" * i)
        elif kind == 2:
            p = Ether(src=A, dst=B) / IP(src="172.16.0.1", dst=dst, ttl=ttl) / ICMP(type=8, id=i)
        elif kind == 3:
            # UDP without a checksum: it must stay zero.
            p = Ether(src=A, dst=B) / IP(src="172.16.0.1", dst=dst, ttl=ttl) / UDP(sport=3000 + i, dport=4000, chksum=0)
        else:
            # A wrong IPv4 header checksum stays wrong by the same amount.
            p = Ether(src=A, dst=B) / IP(src="172.16.0.1", dst=dst, ttl=ttl, chksum=0x1234) / UDP(sport=5, dport=6)
        pkts.append(p)
    pkts.append(Ether(src=A, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=A, psrc="10.1.8.1", pdst="10.1.8.2"))
    return {1: stamp(pkts, 1700000000)}


def acl_inputs():
    rnd = random.Random(2)
    one, two = [], []
    for i in range(60):
        src = rnd.choice(["10.1.1.1", "11.2.2.2", "10.200.0.5"])
        sport = rnd.choice([1024, 1500, 5000, 33333, 22])
        dport = rnd.choice([22, 53, 64, 80, 127, 443, 4096, 5000])
        flags = rnd.choice(["S", "A", "SA", "PA", "F"])
        if i % 3 == 0:
            p = Ether(src=A, dst=B) / IP(src=src, dst="172.20.1.1") / UDP(sport=sport, dport=dport) / Raw(b"u" * 4)
        elif i % 3 == 1:
            p = Ether(src=A, dst=B) / IP(src=src, dst="1.1.1.1") / TCP(sport=sport, dport=dport, flags=flags)
        else:
            p = Ether(src=A, dst=B) / IP(src=src, dst="1.1.1.1") / ICMP(type=rnd.choice([0, 8, 3]))
        (one if i % 2 == 0 else two).append(p)
    # Interleaved capture times across the two inputs.
    return {1: stamp(one, 1700000000, 0.002), 2: stamp(two, 1700000000.001, 0.002)}


def vlan_inputs():
    pkts = []
    for vid in [10, 11, 20]:
        for pcp in [0, 2, 5]:
            pkts.append(Ether(src=A, dst=B) / Dot1Q(vlan=vid, prio=pcp) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=vid, dport=pcp))
    pkts.append(Ether(src=A, dst=B) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2))
    pkts.append(Ether(src=A, dst=B) / Dot1AD(vlan=100) / Dot1Q(vlan=10) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP())
    pkts.append(Ether(src=A, dst=B) / ARP(op=1, psrc="10.0.0.1", pdst="10.0.0.2"))
    two = [Ether(src=B, dst=A) / Dot1Q(vlan=20, prio=1) / IP(src="10.0.0.2", dst="10.0.0.1") / TCP(sport=80, dport=1234),
           Ether(src=B, dst=A) / IP(src="10.0.0.2", dst="10.0.0.1") / TCP(sport=80, dport=1234),
           Ether(src=B, dst=A) / Dot1Q(vlan=7, prio=3) / ARP(op=2)]
    return {1: stamp(pkts, 1700000000), 2: stamp(two, 1700000000.0005)}


def ipv6_inputs():
    rnd = random.Random(4)
    pkts = []
    for i in range(24):
        dst = rnd.choice(["2001:db8:1::5", "2001:db8:2::9", "2001:db9::1", "fd00::1"])
        hl = rnd.choice([64, 64, 2, 1])
        if i % 4 == 0:
            p = Ether(src=A, dst=B) / IPv6(src="2001:db8:9::1", dst=dst, hlim=hl, fl=0x12345 if i % 8 == 0 else 0) / UDP(sport=53, dport=1000 + i)
        elif i % 4 == 1:
            p = Ether(src=A, dst=B) / IPv6(src="fd00::7", dst=dst, hlim=hl) / TCP(sport=1000 + i, dport=443, flags="S")
        elif i % 4 == 2:
            p = Ether(src=A, dst=B) / IPv6(src="2001:db8:9::1", dst=dst, hlim=hl) / ICMPv6EchoRequest(id=i)
        else:
            p = Ether(src=A, dst="33:33:ff:00:00:01") / IPv6(src="fe80::1", dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(tgt="2001:db8::1") / ICMPv6NDOptSrcLLAddr(lladdr=A)
        pkts.append(p)
    return {1: stamp(pkts, 1700000000)}


def rewrite_inputs():
    pkts = []
    for i in range(12):
        pkts.append(Ether(src=A, dst=B) / IP(src="10.0.0.%d" % (i + 1), dst="10.9.0.1") / TCP(sport=1000 + i, dport=80, flags="PA") / Raw(b"hello"))
        pkts.append(Ether(src=A, dst=B) / IP(src="10.0.0.%d" % (i + 1), dst="10.9.0.2") / UDP(sport=1000 + i, dport=53) / Raw(b"dns?"))
        pkts.append(Ether(src=A, dst=B) / IP(src="10.0.0.%d" % (i + 1), dst="10.9.0.3") / SCTP(sport=1000 + i, dport=9))
        pkts.append(Ether(src=A, dst=B) / IPv6(src="2001:db8::%d" % (i + 1), dst="2001:db8::100") / UDP(sport=7, dport=8) / Raw(b"v6"))
        pkts.append(Ether(src=A, dst=B) / IPv6(src="2001:db8::%d" % (i + 1), dst="2001:db8::200") / ICMPv6EchoRequest(id=i))
    return {1: stamp(pkts, 1700000000)}


SCENARIOS = {
    "l3-routing": l3_inputs,
    "acl": acl_inputs,
    "vlan": vlan_inputs,
    "ipv6": ipv6_inputs,
    "rewrite-groups": rewrite_inputs,
}


def acl10k_packets():
    rnd = random.Random(10000)
    seen = set()
    pkts = []
    while len(pkts) < 10000:
        t = (rnd.randrange(1 << 24), rnd.randrange(1 << 20), rnd.randrange(1, 65536), rnd.randrange(1, 65536))
        if t in seen:
            continue
        seen.add(t)
        src = "10.%d.%d.%d" % (t[0] >> 16, (t[0] >> 8) & 255, t[0] & 255)
        dst = "172.%d.%d.%d" % (16 + (t[1] >> 16), (t[1] >> 8) & 255, t[1] & 255)
        pkts.append(Ether(src=A, dst=B) / IP(src=src, dst=dst) / UDP(sport=t[2], dport=t[3]) / Raw(b"\0" * 18))
    return stamp(pkts, 1700000000, 0.00001)


def of_ports(show):
    """Datapath port number -> OpenFlow port number, from dpctl/show (ports are named pN)."""
    mapping = {}
    for line in show.splitlines():
        m = re.match(r"\s+port (\d+): p(\d+) ", line)
        if m:
            mapping[m.group(1)] = m.group(2)
    return mapping


def split_top(text):
    """Splits at commas outside parentheses."""
    parts, depth, cur = [], 0, ""
    for c in text:
        if c == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += (c == "(") - (c == ")")
        cur += c
    parts.append(cur)
    return parts


def write_dump(d, show, dump):
    """dump-flows.txt: OVS's megaflows with OpenFlow port numbers and without the 'used' time."""
    ports = of_ports(show)
    lines = []
    for line in dump.splitlines():
        if not line.startswith("recirc_id"):
            continue
        line = re.sub(r"in_port\((\d+)\)", lambda m: "in_port(%s)" % ports[m.group(1)], line)
        line = re.sub(r", used:[^,]+", "", line)
        key, actions = line.split(", actions:")
        actions = ",".join(ports.get(a, a) for a in split_top(actions))
        lines.append(key + ", actions:" + actions)
    with open(os.path.join(d, "dump-flows.txt"), "w") as f:
        f.write("# ovs-appctl dpctl/dump-flows after the replay, in OpenFlow port numbers, without 'used'\n")
        for l in sorted(lines):
            f.write(l + "\n")


def main():
    scratch = tempfile.mkdtemp(prefix="fg-ovs-replay-")
    subprocess.run([SANDBOX, "start", scratch], check=True)

    def ovs(*args):
        r = subprocess.run([SANDBOX, "run", scratch, *args], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(" ".join(args) + ": " + r.stderr)
        return r.stdout

    def bridge(outdir, tx):
        ovs("ovs-vsctl", "--if-exists", "del-br", "br0")
        ovs("ovs-vsctl", "add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev",
            "protocols=OpenFlow10,OpenFlow13,OpenFlow15")
        for i in range(1, PORTS + 1):
            opts = ["options:tx_pcap=" + os.path.join(outdir, "expected-%d.pcap" % i)] if tx else []
            ovs("ovs-vsctl", "add-port", "br0", "p%d" % i, "--", "set", "interface", "p%d" % i, "type=dummy",
                "ofport_request=%d" % i, *opts)
        ovs("ovs-ofctl", "-O", "OpenFlow13", "del-flows", "br0")

    try:
        ovs("ovs-vsctl", "set", "Open_vSwitch", ".", "other_config:max-idle=600000")
        for name, inputs in SCENARIOS.items():
            d = os.path.join(HERE, "scenarios", name)
            for f in os.listdir(d):
                if f.startswith("in-") or f.startswith("expected-"):
                    os.remove(os.path.join(d, f))
            streams = inputs()
            merged = []
            for port, pkts in streams.items():
                wrpcap(os.path.join(d, "in-%d.pcap" % port), pkts)
                merged += [(float(p.time), port, bytes(p)) for p in rdpcap(os.path.join(d, "in-%d.pcap" % port))]
            merged.sort(key=lambda x: (x[0], x[1]))
            bridge(d, True)
            if os.path.exists(os.path.join(d, "groups.txt")):
                ovs("ovs-ofctl", "-O", "OpenFlow13", "add-groups", "br0", os.path.join(d, "groups.txt"))
            ovs("ovs-ofctl", "-O", "OpenFlow13", "add-flows", "br0", os.path.join(d, "flows.txt"))
            for _, port, frame in merged:
                ovs("ovs-appctl", "netdev-dummy/receive", "p%d" % port, frame.hex())
                ovs("ovs-appctl", "version")
            write_dump(d, ovs("ovs-appctl", "dpctl/show"), ovs("ovs-appctl", "dpctl/dump-flows"))
            ovs("ovs-vsctl", "del-br", "br0")  # closes the tx_pcap files
            print(name, len(merged), "packets")
        # Megaflow count for 10k UDP 5-tuples through the seven-rule ACL.
        d = os.path.join(HERE, "scenarios", "acl10k")
        pkts = acl10k_packets()
        wrpcap(os.path.join(d, "in-1.pcap"), pkts)
        bridge(d, False)
        ovs("ovs-ofctl", "-O", "OpenFlow13", "add-flows", "br0", os.path.join(d, "flows.txt"))
        frames = [bytes(p).hex() for p in pkts]
        for i in range(0, len(frames), 50):
            ovs("ovs-appctl", "netdev-dummy/receive", "p1", *frames[i:i + 50])
        ovs("ovs-appctl", "version")
        flows = [l for l in ovs("ovs-appctl", "dpctl/dump-flows").splitlines() if l.strip()]
        with open(os.path.join(d, "ovs-megaflows.txt"), "w") as f:
            f.write("# megaflows in OVS 3.1 after 10,000 distinct UDP 5-tuples (ovs-appctl dpctl/dump-flows)\n")
            f.write("%d\n" % len(flows))
            for l in flows:
                f.write("# " + l + "\n")
        print("acl10k:", len(flows), "megaflows")
    finally:
        subprocess.run([SANDBOX, "stop", scratch], check=False)


if __name__ == "__main__":
    main()
