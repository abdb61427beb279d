package io.flowgate.slowpath.syntax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.flowgate.fastpath.testing.TestResources;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Each rule of {@code oracle/parse-flow/flows.txt} means to Flowgate what it means to Open vSwitch
 * 3.1's {@code ovs-ofctl -O OpenFlow13 parse-flow} ({@code expected.txt}, made by
 * {@code make.sh}): the same rule, printed the same way, or refused where OVS refuses it. Among
 * them the spellings ovs-ofctl takes and Flowgate once did not ({@code action=}, {@code ip6},
 * spaces after commas and instead of them) and the controller, FLOOD, ALL and IN_PORT actions.
 */
class OvsFlowSyntaxAgreementTest {
    private static final Path ORACLE = TestResources.path("oracle/parse-flow");

    @Test
    void everyRuleParsesAsOvsParsesIt() throws Exception {
        final List<String> disagreements = new ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(ORACLE.resolve("expected.txt"))) {
            final int tab = line.indexOf('\t');
            final String rule = line.substring(0, tab);
            final String ovs = line.substring(tab + 1);
            n++;
            String ours;
            try {
                ours = FlowSyntax.parseRule("flows.txt", n, rule, 0).toString();
            } catch (SyntaxException e) {
                ours = "error: " + e.getMessage();
            }
            final boolean agree = ovs.startsWith("error: ") ? ours.startsWith("error: ") : ours.equals(normalised(ovs));
            if (!agree) {
                disagreements.add(rule + "\n    OVS:      " + ovs + "\n    Flowgate: " + ours);
            }
        }
        assertEquals(43, n, "rules in the oracle");
        if (!disagreements.isEmpty()) {
            fail(disagreements.size() + " rule(s) differ from OVS:\n" + String.join("\n", disagreements));
        }
    }

    /** OVS's "MATCH actions=ACTIONS" in Rule's form: priority always (32768 by default), a comma before actions. */
    private static String normalised(final String ovs) {
        final String s = ovs.startsWith("actions=") ? ovs : ovs.replace(" actions=", ",actions=");
        return s.startsWith("priority=") ? s : "priority=32768," + s;
    }
}
