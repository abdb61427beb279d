package io.flowgate.fastpath.pmd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The methods a packet goes through one call per packet stay small enough for the JIT to inline
 * them into their caller's loop: C2 inlines a hot callee only if its bytecode is at most
 * {@value #FREQ_INLINE_SIZE} bytes (HotSpot's FreqInlineSize). One over and the call stays a call,
 * with its arguments spilled per packet: the parse of an IPv4/UDP frame was 19 ns through three
 * such calls and is 8 ns inlined (ParseBenchmark). Split rare branches out rather than grow these.
 */
class PacketPathInliningTest {
    private static final int FREQ_INLINE_SIZE = 325;

    /** Per class (under io.flowgate.fastpath), the per-packet methods (every overload of each name). */
    private static final Map<String, List<String>> PER_PACKET = Map.of(
            "parse.FlowExtractor", List.of("extract", "plainIpv4", "plainKey", "extractAny",
                    "vlans", "ipv4", "ipv6", "addresses6", "l4", "tcp", "ports", "typeCode", "icmp6"),
            "parse.RepeatedHeaders", List.of("layout", "train", "word"),
            "flow.FlowHash", List.of("hashKey"),
            "flow.FlowMask", List.of("matches"),
            "megaflow.DpFlow", List.of("matches", "hit"),
            "emc.Emc", List.of("lookup", "maybeInsert"),
            "smc.Smc", List.of("signatureWays", "firstMatch"),
            "dpcls.DpclsSubtable", List.of("lookup", "scan"),
            "pmd.TxQueues", List.of("output"),
            "dpdk.DpdkTxQueue", List.of("send", "sendBuffer", "sendBuffers"));

    @Test
    void perPacketMethodsFitTheJitsInliningLimit() throws Exception {
        final List<String> tooBig = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : PER_PACKET.entrySet()) {
            final ClassModel model = model(e.getKey());
            for (String name : e.getValue()) {
                boolean found = false;
                for (MethodModel m : model.methods()) {
                    if (m.methodName().equalsString(name)) {
                        found = true;
                        final int size = m.findAttribute(Attributes.code()).orElseThrow().codeLength();
                        if (size > FREQ_INLINE_SIZE) {
                            tooBig.add(e.getKey() + "." + name + m.methodType().stringValue()
                                    + ": " + size + " bytes");
                        }
                    }
                }
                assertTrue(found, e.getKey() + " has no method " + name + " (renamed? update the list)");
            }
        }
        assertTrue(tooBig.isEmpty(), "over " + FREQ_INLINE_SIZE + " bytes of bytecode, not inlined: " + tooBig);
    }

    /**
     * The launcher's JVM flags force the JIT to inline the hottest of them (C2 decides by the
     * call counts it saw when it compiled, and a PMD's first seconds, all upcalls, leave some of
     * them cold: firstMatch, l4, be64 each showed up as a call of their own in some runs and not
     * in others). Each forced method must exist, or a rename would quietly drop its flag.
     */
    @Test
    void everyMethodTheLauncherInlinesExists() throws Exception {
        final String prefix = "-XX:CompileCommand=inline,io.flowgate.fastpath.";
        final List<String> missing = new ArrayList<>();
        int forced = 0;
        for (String line : Files.readAllLines(Path.of("../daemon/src/main/jvm/jvm.args"))) {
            if (!line.startsWith(prefix)) {
                continue;
            }
            forced++;
            final String[] classAndMethod = line.substring(prefix.length()).split("::");
            final ClassModel model = model(classAndMethod[0]);
            if (model.methods().stream().noneMatch(m -> m.methodName().equalsString(classAndMethod[1]))) {
                missing.add(line);
            }
        }
        assertTrue(forced > 0, "the launcher's flags force some inlining");
        assertTrue(missing.isEmpty(), "no such method: " + missing);
    }

    private static ClassModel model(final String name) throws Exception {
        final String path = "io/flowgate/fastpath/" + name.replace('.', '/') + ".class";
        try (InputStream in = PacketPathInliningTest.class.getClassLoader().getResourceAsStream(path)) {
            return ClassFile.of().parse(in.readAllBytes());
        }
    }
}
