package io.flowgate.slowpath.xlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.testing.TestResources;
import io.flowgate.slowpath.ofproto.Group;
import io.flowgate.slowpath.ofproto.PipelineVersion;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.GroupSyntax;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every trace recorded from real Open vSwitch 3.1 by {@code oracle/trace/make.py}: Flowgate's
 * translation gives the same megaflow (same fields, values and masks; order may differ) and the
 * same datapath actions. The only normalisation: the recirculation id inside a userspace
 * (controller) action is an allocation counter in OVS, so it is compared as "recirc_id=N".
 */
class OvsTraceAgreementTest {
    record Case(String scenario, String flow, String megaflow, String actions) {
    }

    static List<Case> cases() throws IOException {
        final List<Case> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(TestResources.path("oracle/trace/scenarios"))) {
            for (Path expected : files.filter(p -> p.toString().endsWith(".expected")).sorted().toList()) {
                final List<String> lines = Files.readAllLines(expected);
                for (int i = 0; i < lines.size(); i++) {
                    if (lines.get(i).startsWith("trace: ")) {
                        out.add(new Case(expected.getFileName().toString().replace(".expected", ""),
                                lines.get(i).substring(7), lines.get(i + 1).substring("Megaflow: ".length()),
                                lines.get(i + 2).substring("Datapath actions: ".length())));
                    }
                }
            }
        }
        return out;
    }

    static PipelineVersion load(final String scenario) throws Exception {
        final Path dir = TestResources.path("oracle/trace/scenarios");
        final List<Rule> rules = FlowSyntax.parseFlowsFile(dir.resolve(scenario + ".flows"), 0);
        final Path groupsFile = dir.resolve(scenario + ".groups");
        final List<Group> groups = Files.exists(groupsFile) ? GroupSyntax.parseGroupsFile(groupsFile) : List.of();
        final RulePipeline p = new RulePipeline();
        p.apply(e -> {
            for (Group g : groups) {
                e.addGroup(g);
            }
            for (Rule r : rules) {
                e.addRule(r);
            }
        });
        return p.current();
    }

    static TreeSet<String> fields(final String megaflow) {
        return new TreeSet<>(Arrays.asList(megaflow.split(",")));
    }

    /**
     * OVS's recirc_id numbers its frozen states; its dont_send says whether a controller wanted the
     * packet-in when the flow was translated (the oracle has none), while Flowgate's PMD decides
     * that for each packet.
     */
    static String normalise(final String actions) {
        return actions.replaceAll("recirc_id=\\d+", "recirc_id=N").replaceAll("dont_send=\\d", "dont_send=N");
    }

    @TestFactory
    List<DynamicTest> flowgateTranslatesEveryRecordedTraceAsOvsDoes() throws Exception {
        final List<Case> cases = cases();
        assertTrue(cases.size() >= 30, "at least 30 recorded OVS traces, found " + cases.size());
        final List<DynamicTest> tests = new ArrayList<>();
        final Xlate xlate = new Xlate(p -> p >= 1 && p <= 9, null);
        for (Case c : cases) {
            tests.add(DynamicTest.dynamicTest(c.scenario() + ": " + c.flow(), () -> {
                final PipelineVersion pipeline = load(c.scenario());
                final XlateResult r = xlate.translate(pipeline, FlowSyntax.parseFlow(c.flow()), true);
                assertEquals(fields(c.megaflow()), fields(r.megaflow()), () -> "megaflow\n" + r.trace());
                assertEquals(normalise(c.actions()), normalise(r.actions().toString()), () -> "actions\n" + r.trace());
            }));
        }
        return tests;
    }
}
