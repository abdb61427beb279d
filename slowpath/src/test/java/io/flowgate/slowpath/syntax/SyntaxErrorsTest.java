package io.flowgate.slowpath.syntax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each malformed rule or group gives its own precise error: source, line, column, problem. */
class SyntaxErrorsTest {
    static Stream<Arguments> badRules() {
        return Stream.of(
            Arguments.of("ip,nw_dstt=1.2.3.4,actions=drop", 4, "nw_dstt=1.2.3.4", "unknown field \"nw_dstt\""),
            Arguments.of("tcp,tp_dst=80", 1, "tcp,tp_dst=80", "rule has no \"actions=\" (use actions=drop to drop)"),
            Arguments.of("tp_dst=80,actions=drop", 1, "tp_dst=80",
                    "prerequisites not met for tp_dst: it needs tcp, udp or sctp in the same match"),
            Arguments.of("ip,nw_src=10.0.0.1/33,actions=drop", 11, "10.0.0.1/33",
                    "10.0.0.1/33: IPv4 network prefix bits not between 0 and 32, inclusive"),
            Arguments.of("ip,nw_src=10.0.0.256,actions=drop", 11, "10.0.0.256",
                    "\"10.0.0.256\" is not an IPv4 address (nw_src): octet 256 is above 255"),
            Arguments.of("priority=70000,actions=drop", 10, "70000", "invalid priority \"70000\" (0 to 65535)"),
            Arguments.of("cookie=0x123/-1,ip,actions=drop", 1, "cookie=0x123/-1",
                    "flow additions cannot use a cookie mask (as ovs-ofctl says; masks are for del-flows and mod-flows)"),
            Arguments.of("table=255,actions=drop", 7, "255", "table 255 is out of range (0 to 254)"),
            Arguments.of("icmp,icmp_type=300,actions=drop", 16, "300", "300: value too large for 8-bit field icmp_type"),
            Arguments.of("ip,nw_frag=maybe,actions=drop", 12, "maybe", "maybe: unknown fragment type (valid types are "
                    + "\"no\", \"yes\", \"first\", \"later\", \"not_later\")"),
            Arguments.of("tcp,tcp_flags=+syn+fin-rsx,actions=drop", 15, "+syn+fin-rsx",
                    "+syn+fin-rsx: unknown TCP flag \"rsx\" (fin, syn, rst, psh, ack, urg, ece, cwr, ns)"),
            Arguments.of("dl_src=00:11:22:33:44,actions=drop", 8, "00:11:22:33:44",
                    "\"00:11:22:33:44\" is not an Ethernet address (dl_src takes xx:xx:xx:xx:xx:xx)"),
            Arguments.of("ip,nw_tos=3,actions=drop", 11, "3",
                    "3: not a valid TOS (nw_tos takes the DSCP bits of the TOS byte: a multiple of 4)"),
            Arguments.of("dl_vlan=5000,actions=drop", 9, "5000",
                    "5000: not a valid VLAN id (0 to 4095, or 0xffff for no VLAN)"),
            Arguments.of("dl_vlan_pcp=8,actions=drop", 13, "8", "8: not a valid VLAN PCP (0 to 7)"),
            Arguments.of("ip,ipv6,actions=drop", 4, "ipv6", "\"ipv6\" conflicts with \"ip\" at column 1"),
            Arguments.of("icmp6,nd_target=::1,actions=drop", 7, "nd_target=::1",
                    "prerequisites not met for nd_target: it needs icmp6 with icmp_type=135 or 136 in the same match"),
            Arguments.of("ipv6,ipv6_src=2001:db8::/129,actions=drop", 15, "2001:db8::/129",
                    "2001:db8::/129: IPv6 network prefix bits not between 0 and 128, inclusive"),
            Arguments.of("ipv6,ipv6_src=2001:zz8::1,actions=drop", 15, "2001:zz8::1",
                    "\"2001:zz8::1\" is not an IPv6 address (ipv6_src)"),
            Arguments.of("icmp,icmp_type=3/0xff,actions=drop", 16, "3/0xff",
                    "3/0xff: invalid mask for field icmp_type (it can only be matched exactly)"),
            Arguments.of("ip,actions=output:0", 12, "output:0", "0: not a valid port number (1 to 4294967040)"),
            Arguments.of("actions=drop,output:1", 9, "drop", "\"drop\" must not be accompanied by any other action"),
            Arguments.of("actions=normal", 9, "normal", "action \"normal\" is not supported by Flowgate"),
            Arguments.of("table=1,actions=goto_table:1", 17, "goto_table:1",
                    "goto_table:1 must name a later table than this rule's table 1"),
            Arguments.of("actions=goto_table:2,output:1", 22, "output:1",
                    "goto_table must be the last action (\"output:1\" follows it)"),
            Arguments.of("in_port=1,actions=dec_ttl", 19, "dec_ttl", "dec_ttl needs ip or ipv6 in the rule's match"),
            Arguments.of("ip,actions=mod_tp_dst:9", 12, "mod_tp_dst:9",
                    "mod_tp_dst needs tcp, udp or sctp in the rule's match"),
            Arguments.of("actions=set_field:1.2.3.4->ip_dst", 9, "set_field:1.2.3.4->ip_dst",
                    "set_field nw_dst lacks correct prerequisites: it needs ip or arp in the rule's match"),
            Arguments.of("icmp,actions=set_field:3->icmp_type", 14, "set_field:3->icmp_type",
                    "set_field: icmp_type cannot be written (Flowgate's datapath has no action for it)"),
            Arguments.of("ip,actions=set_field:5/0xf->nw_ttl", 12, "set_field:5/0xf->nw_ttl",
                    "5/0xf: invalid mask for field nw_ttl"),
            Arguments.of("actions=load:0x1ff->NXM_OF_VLAN_TCI[0..3]", 9, "load:0x1ff->NXM_OF_VLAN_TCI[0..3]",
                    "0x1ff->NXM_OF_VLAN_TCI[0..3]: value 0x1ff does not fit into 4 bits"),
            Arguments.of("actions=set_field:1.2.3.4", 9, "set_field:1.2.3.4",
                    "set_field needs VALUE->FIELD, as in set_field:10.0.0.1->ip_dst"),
            Arguments.of("actions=push_vlan:0x1234", 9, "push_vlan:0x1234",
                    "0x1234: not a valid VLAN ethertype (0x8100 or 0x88a8)"),
            Arguments.of("actions=mod_vlan_pcp:8", 9, "mod_vlan_pcp:8", "8: not a valid VLAN PCP (0 to 7)"),
            Arguments.of("ip,actions=mod_nw_tos:7", 12, "mod_nw_tos:7",
                    "7: not a valid TOS (mod_nw_tos takes the DSCP bits of the TOS byte: a multiple of 4)"),
            Arguments.of("actions=resubmit(,300)", 9, "resubmit(,300)", "300: value too large for 8-bit field resubmit table"),
            Arguments.of("actions=resubmit", 9, "resubmit",
                    "resubmit needs a port or table, as in resubmit(,1) or resubmit:2"),
            Arguments.of("actions=frobnicate:3", 9, "frobnicate:3", "unknown action \"frobnicate:3\""),
            Arguments.of("actions=output", 9, "output", "missing argument, expected output:PORT"),
            Arguments.of("cookie=0xzz,actions=drop", 8, "0xzz",
                    "\"0xzz\" is not a number (cookie takes decimal or 0x-hex)"),
            Arguments.of("in_port=foo,actions=drop", 9, "foo",
                    "\"foo\" is not a number (in_port takes decimal or 0x-hex)"),
            Arguments.of("idle_timeout=70000,actions=drop", 14, "70000",
                    "70000: value too large for 16-bit field idle_timeout"),
            Arguments.of("ipv6,ipv6_label=0x100000,actions=drop", 17, "0x100000",
                    "0x100000: value too large for 20-bit field ipv6_label"),
            Arguments.of("arp,arp_op=300,actions=drop", 12, "300",
                    "300: arp_op above 255 cannot be matched (only the low 8 bits are kept)"),
            Arguments.of("ip,frob,actions=drop", 4, "frob", "unknown keyword \"frob\" (expected a field=value, "
                    + "a protocol such as ip or tcp, or actions=)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRules")
    void malformedRuleIsRefusedWithAPreciseMessage(final String rule, final int column, final String token,
                                                   final String problem) {
        final SyntaxException e = assertThrows(SyntaxException.class, () -> FlowSyntax.parseFlows("flows",
                "# a comment\n\n" + rule + "\n", 0));
        assertEquals("flows:3:" + column + ": " + problem, e.getMessage());
        assertEquals(3, e.line());
        assertEquals(column, e.column());
        assertEquals(token, e.token());
    }

    static Stream<Arguments> badGroups() {
        return Stream.of(
            Arguments.of("group_id=1,type=ff,bucket=output:1", 12, "type=ff",
                    "group type \"ff\" is not supported by Flowgate (all, select, indirect are)"),
            Arguments.of("type=all,bucket=output:1", 1, "type=all,bucket=output:1", "group has no group_id="),
            Arguments.of("group_id=1,type=indirect,bucket=output:1,bucket=output:2", 1,
                    "group_id=1,type=indirect,bucket=output:1,bucket=output:2",
                    "indirect group 1 must have exactly one bucket, not 2"),
            Arguments.of("group_id=1,type=select,bucket=weight:x,output:1", 38, "x",
                    "\"x\" is not a number (weight takes decimal or 0x-hex)"),
            Arguments.of("group_id=1,type=select,bucket=weight:5,upper_threshold:10,lower_threshold:20,output:1", 31,
                    "weight:5", "lower_threshold 20 is above upper_threshold 10"),
            Arguments.of("group_id=1,type=select,selection_method=magic,bucket=output:1", 24, "selection_method=magic",
                    "unknown selection_method \"magic\" (hash, hprio, wrr, rr, maglev)"),
            Arguments.of("group_id=1,type=all,bucket=mod_dl_src:zz,output:1", 28, "mod_dl_src:zz",
                    "\"zz\" is not an Ethernet address (mod_dl_src takes xx:xx:xx:xx:xx:xx)"),
            Arguments.of("group_id=1,type=all,bucket=goto_table:3", 28, "goto_table:3",
                    "goto_table is not allowed in a group bucket"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badGroups")
    void malformedGroupIsRefusedWithAPreciseMessage(final String group, final int column, final String token,
                                                    final String problem) {
        final SyntaxException e = assertThrows(SyntaxException.class, () -> GroupSyntax.parseGroups("groups",
                "\n" + group + "\n"));
        assertEquals("groups:2:" + column + ": " + problem, e.getMessage());
        assertEquals(token, e.token());
    }

    @org.junit.jupiter.api.Test
    void aGroupDefinedTwiceIsAnError() {
        final SyntaxException e = assertThrows(SyntaxException.class, () -> GroupSyntax.parseGroups("groups",
                "group_id=7,type=all,bucket=output:1\ngroup_id=7,type=all,bucket=output:2\n"));
        assertEquals("groups:2:1: group 7 is defined twice", e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void aTraceFlowRejectsMasks() {
        final SyntaxException e = assertThrows(SyntaxException.class, () -> FlowSyntax.parseFlow("ip,nw_dst=10.0.0.0/8"));
        assertEquals("flow:1:11: nw_dst in a flow takes a value, not a mask", e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void spacesAroundCommasAndEqualsSignsAreAcceptedAsOvsOfctlAcceptsThem() throws Exception {
        final var spaced = FlowSyntax.parseRule("t", 1, "priority=10 , ip , actions = drop", 0);
        final var plain = FlowSyntax.parseRule("t", 1, "priority=10,ip,actions=drop", 0);
        assertEquals(plain.toString(), spaced.toString());
        org.junit.jupiter.api.Assertions.assertTrue(spaced.sameDefinition(plain));
        // A cookie mask where one belongs: a filter (del-flows), with -1 for all ones.
        assertEquals(-1L, FlowSyntax.parseFilter("cookie=0x123/-1", false).cookieMask());
    }
}
