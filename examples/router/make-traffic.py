#!/usr/bin/python3
"""Writes traffic.pcap, the example's input: 50,000 packets from 5,000 flows arriving on the
uplink (TCP and UDP to the three subnets and beyond, some telnet and SMB the ACL drops, ARP,
pings, and a few packets whose TTL runs out). Deterministic: the same file on every run.

    /usr/bin/python3 make-traffic.py      (needs Debian's python3-scapy)
"""
import random

from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, Raw, wrpcap

rnd = random.Random(2026)
GW, HOST = "02:00:00:00:01:00", "02:00:00:00:00:0a"


def flow():
    kind = rnd.random()
    dst = rnd.choice(["10.1.8.%d" % rnd.randrange(1, 255), "10.1.%d.%d" % (rnd.randrange(256), rnd.randrange(1, 255)),
                      "10.%d.%d.%d" % (rnd.randrange(2, 256), rnd.randrange(256), rnd.randrange(1, 255)),
                      "192.0.2.%d" % rnd.randrange(1, 255)])
    src = "203.0.113.%d" % rnd.randrange(1, 255)
    ttl = 1 if rnd.random() < 0.01 else 64
    eth = Ether(src=HOST, dst=GW)
    if kind < 0.02:
        return eth / ARP(op=1, psrc=src, pdst="10.1.0.1", hwsrc=HOST)
    if kind < 0.05:
        return eth / IP(src=src, dst=dst, ttl=ttl) / ICMP(id=rnd.randrange(65536))
    if kind < 0.08:
        return eth / IP(src=src, dst=dst, ttl=ttl) / TCP(sport=rnd.randrange(1024, 65536), dport=rnd.choice([23, 444, 445]),
                                                         flags="S")
    if kind < 0.55:
        return eth / IP(src=src, dst=dst, ttl=ttl) / TCP(sport=rnd.randrange(1024, 65536),
                                                         dport=rnd.choice([80, 443, 22, 8080]), flags="PA") / Raw(b"x" * 20)
    return eth / IP(src=src, dst=dst, ttl=ttl) / UDP(sport=rnd.randrange(1024, 65536), dport=rnd.choice([53, 123, 4789])) \
        / Raw(b"y" * 18)


flows = [flow() for _ in range(5000)]
packets = []
for i in range(50000):
    p = flows[min(int(rnd.paretovariate(1.2)) - 1, len(flows) - 1) if rnd.random() < 0.5 else rnd.randrange(len(flows))].copy()
    p.time = 1767225600 + i * 0.00002
    packets.append(p)
wrpcap("traffic.pcap", packets)
