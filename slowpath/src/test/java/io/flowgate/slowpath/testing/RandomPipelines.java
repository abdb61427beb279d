package io.flowgate.slowpath.testing;

import static io.flowgate.fastpath.flow.FlowKey.*;

import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random rule tables and packets over small value pools, so that rules overlap, shadow each other
 * and match packets often. Rules are produced as flow-syntax text (exercising the parser too).
 */
public final class RandomPipelines {
    private static final String[] NETS = {"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3", "10.2.0.0/15",
        "192.168.0.0/16", "192.168.1.7", "0.0.0.0/1", "128.0.0.0/2"};
    private static final String[] HOSTS = {"10.1.2.3", "10.1.2.4", "10.1.3.1", "10.2.0.1", "10.3.0.1", "11.0.0.1",
        "192.168.1.7", "192.168.2.1", "8.8.8.8", "172.16.0.1"};
    private static final String[] MACS = {"02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:03"};
    private static final String[] PORT_MATCHES = {"80", "443", "0x40/0xffc0", "0x1000/0xf000", "53", "1024/0xfc00", "22"};
    private static final int[] PORTS = {80, 443, 64, 100, 4096, 5000, 53, 1024, 1500, 22, 8080};

    private RandomPipelines() {
    }

    /** Rules for tables 0..tables-1 in flows-file syntax (one per line), and groups 1 and 2. */
    public record Spec(String flows, String groups) {
    }

    public static Spec pipeline(final SplittableRandom r, final int tables, final int rulesPerTable) {
        final StringBuilder flows = new StringBuilder();
        for (int t = 0; t < tables; t++) {
            for (int i = 0; i < rulesPerTable; i++) {
                flows.append(rule(r, t, tables)).append('\n');
            }
        }
        final String groups = "group_id=1,type=all,bucket=output:5,bucket=mod_dl_dst:02:00:00:00:00:09,output:6\n"
                + "group_id=2,type=select,bucket=output:7,bucket=weight:3,output:8\n";
        return new Spec(flows.toString(), groups);
    }

    private static String pick(final SplittableRandom r, final String[] a) {
        return a[r.nextInt(a.length)];
    }

    private static String rule(final SplittableRandom r, final int table, final int tables) {
        final List<String> m = new ArrayList<>();
        m.add("table=" + table);
        m.add("priority=" + r.nextInt(1, 8) * 10);
        final int kind = r.nextInt(6);
        final String proto = switch (kind) {
            case 0 -> "tcp";
            case 1 -> "udp";
            case 2 -> "icmp";
            case 3 -> "ip";
            case 4 -> "arp";
            default -> "";
        };
        if (!proto.isEmpty()) {
            m.add(proto);
        }
        if (r.nextInt(3) == 0) {
            m.add("in_port=" + r.nextInt(1, 4));
        }
        if (r.nextInt(5) == 0) {
            m.add("dl_src=" + pick(r, MACS));
        }
        if (r.nextInt(6) == 0) {
            m.add(r.nextBoolean() ? "dl_vlan=" + r.nextInt(1, 4) : "vlan_tci=0/0x1000");
        }
        final boolean ip = kind <= 3;
        if (ip && r.nextInt(2) == 0) {
            m.add("nw_dst=" + pick(r, NETS));
        }
        if (ip && r.nextInt(3) == 0) {
            m.add("nw_src=" + pick(r, NETS));
        }
        if (kind == 4 && r.nextBoolean()) {
            m.add("arp_tpa=" + pick(r, NETS));
        }
        if (ip && r.nextInt(6) == 0) {
            m.add("nw_tos=" + r.nextInt(3) * 4);
        }
        if (ip && r.nextInt(8) == 0) {
            m.add("nw_ttl=" + r.nextInt(1, 3));
        }
        if (ip && r.nextInt(8) == 0) {
            m.add("nw_frag=" + (r.nextBoolean() ? "no" : "yes"));
        }
        if (kind <= 1 && r.nextInt(2) == 0) {
            m.add("tp_dst=" + pick(r, PORT_MATCHES));
        }
        if (kind <= 1 && r.nextInt(4) == 0) {
            m.add("tp_src=" + pick(r, PORT_MATCHES));
        }
        if (kind == 0 && r.nextInt(4) == 0) {
            m.add(r.nextBoolean() ? "tcp_flags=+syn-ack" : "tcp_flags=0x010/0x010");
        }
        if (kind == 2 && r.nextInt(2) == 0) {
            m.add("icmp_type=" + (r.nextBoolean() ? 8 : 0));
        }
        return String.join(",", m) + ",actions=" + actions(r, table, tables, ip, kind);
    }

    private static String actions(final SplittableRandom r, final int table, final int tables, final boolean ip,
                                  final int kind) {
        final List<String> a = new ArrayList<>();
        final int n = r.nextInt(0, 4);
        boolean gotoDone = false;
        for (int i = 0; i < n && !gotoDone; i++) {
            switch (r.nextInt(12)) {
                case 0 -> a.add("output:" + r.nextInt(1, 5));
                case 1 -> a.add("in_port");
                case 2 -> a.add("mod_dl_dst:" + pick(r, MACS));
                case 3 -> {
                    if (ip) {
                        a.add("dec_ttl");
                    }
                }
                case 4 -> {
                    if (ip && kind != 4) {
                        a.add("mod_nw_dst:" + pick(r, HOSTS));
                    }
                }
                case 5 -> a.add("mod_vlan_vid:" + r.nextInt(1, 5));
                case 6 -> a.add("strip_vlan");
                case 7 -> {
                    if (kind <= 1) {
                        a.add("mod_tp_dst:" + PORTS[r.nextInt(PORTS.length)]);
                    }
                }
                case 8 -> {
                    if (table + 1 < tables) {
                        a.add("resubmit(," + r.nextInt(table + 1, tables) + ")");
                    }
                }
                case 9 -> {
                    if (table + 1 < tables) {
                        a.add("goto_table:" + r.nextInt(table + 1, tables));
                        gotoDone = true;
                    }
                }
                case 10 -> a.add("group:" + r.nextInt(1, 3));
                default -> {
                    if (ip) {
                        a.add("mod_nw_tos:" + r.nextInt(4) * 8);
                    }
                }
            }
        }
        if (!gotoDone) {
            a.add("output:" + r.nextInt(1, 5));
        }
        return String.join(",", a);
    }

    /** A random packet key as the parser would produce it. */
    public static long[] packet(final SplittableRandom r) {
        final long[] k = new long[FlowKey.WORDS];
        FlowField.IN_PORT.set(k, r.nextInt(1, 5));
        FlowField.ETH_SRC.set(k, macValue(pick(r, MACS)));
        FlowField.ETH_DST.set(k, macValue(pick(r, MACS)));
        if (r.nextInt(4) == 0) {
            FlowField.VLAN0_TPID.set(k, ETH_TYPE_VLAN_8021Q);
            FlowField.VLAN0_TCI.set(k, VLAN_CFI | r.nextInt(1, 4) | ((long) r.nextInt(8) << VLAN_PCP_SHIFT));
        }
        final int kind = r.nextInt(6);
        if (kind == 4) {
            FlowField.DL_TYPE.set(k, ETH_TYPE_ARP);
            FlowField.NW_SRC.set(k, ipValue(pick(r, HOSTS)));
            FlowField.NW_DST.set(k, ipValue(pick(r, HOSTS)));
            FlowField.NW_PROTO.set(k, r.nextInt(1, 3));
            return k;
        }
        if (kind == 5) {
            FlowField.DL_TYPE.set(k, 0x88CC);
            return k;
        }
        FlowField.DL_TYPE.set(k, ETH_TYPE_IP);
        FlowField.NW_SRC.set(k, ipValue(pick(r, HOSTS)));
        FlowField.NW_DST.set(k, ipValue(pick(r, HOSTS)));
        FlowField.NW_TOS.set(k, r.nextInt(4) * 4 + (r.nextInt(4) == 0 ? 1 : 0));
        FlowField.NW_TTL.set(k, r.nextInt(0, 4) == 0 ? 1 : 64);
        final int frag = r.nextInt(10) == 0 ? (r.nextBoolean() ? FRAG_ANY : FRAG_ANY | FRAG_LATER) : 0;
        FlowField.NW_FRAG.set(k, frag);
        final int proto = switch (kind) {
            case 0 -> IPPROTO_TCP;
            case 1 -> IPPROTO_UDP;
            case 2 -> IPPROTO_ICMP;
            default -> 47;
        };
        FlowField.NW_PROTO.set(k, proto);
        if ((frag & FRAG_LATER) == 0) {
            if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
                FlowField.TP_SRC.set(k, PORTS[r.nextInt(PORTS.length)]);
                FlowField.TP_DST.set(k, PORTS[r.nextInt(PORTS.length)]);
                if (proto == IPPROTO_TCP) {
                    FlowField.TCP_FLAGS.set(k, r.nextInt(0x40));
                }
            } else if (proto == IPPROTO_ICMP) {
                FlowField.TP_SRC.set(k, r.nextBoolean() ? 8 : r.nextInt(16));
                FlowField.TP_DST.set(k, r.nextInt(4));
            }
        }
        return k;
    }

    /**
     * A packet that agrees with {@code p} on every bit of {@code mask} and takes the other bits
     * from a random packet, then respects what the parser guarantees (no tag fields without a tag,
     * 8-bit ICMP type and code, no transport fields in later fragments).
     */
    public static long[] neighbour(final SplittableRandom r, final long[] p, final long[] mask) {
        final long[] other = packet(r);
        final long[] q = new long[FlowKey.WORDS];
        for (int i = 0; i < FlowKey.WORDS; i++) {
            q[i] = (other[i] & ~mask[i]) | (p[i] & mask[i]);
        }
        if ((FlowField.VLAN0_TCI.get(q) & VLAN_CFI) == 0) {
            q[W_VLAN] = 0;
        } else if (FlowField.VLAN0_TPID.get(q) == 0) {
            FlowField.VLAN0_TPID.set(q, ETH_TYPE_VLAN_8021Q);
        }
        final int type = FlowKey.dlType(q, 0);
        final int proto = FlowKey.nwProto(q, 0);
        if (type == ETH_TYPE_IP && proto == IPPROTO_ICMP) {
            FlowField.TP_SRC.set(q, FlowField.TP_SRC.get(q) & 0xFF);
            FlowField.TP_DST.set(q, FlowField.TP_DST.get(q) & 0xFF);
        }
        if ((FlowField.NW_FRAG.get(q) & FRAG_LATER) != 0 || (type == ETH_TYPE_IP && proto != IPPROTO_TCP
                && proto != IPPROTO_UDP && proto != IPPROTO_ICMP)) {
            q[W_L4] = 0;
        }
        if (proto != IPPROTO_TCP) {
            FlowField.TCP_FLAGS.set(q, 0);
        }
        return q;
    }

    private static long macValue(final String s) {
        return Long.parseUnsignedLong(s.replace(":", ""), 16);
    }

    private static long ipValue(final String s) {
        long v = 0;
        for (String part : s.split("\\.")) {
            v = (v << 8) | Integer.parseInt(part);
        }
        return v;
    }
}
