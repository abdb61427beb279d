package io.flowgate.daemon.reconfig;

import io.flowgate.bindings.CpuAffinity;
import io.flowgate.revalidator.estimator.EstimatorSettings;
import io.flowgate.daemon.datapath.Datapath;
import io.flowgate.fastpath.dpdk.DpdkException;
import io.flowgate.slowpath.lb.ConnTimeouts;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.port.Port;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;

/**
 * The settings that change at run time, by the names of OVS's {@code other_config} (and, per
 * port, of its interface {@code options}/{@code other_config}): one table that says how each is
 * read and checked, used by {@code config/set} and {@code port/set}, the configuration file and
 * the command line alike. A request is checked whole before anything is applied: a bad value is
 * refused with a message that names it, and nothing changes.
 */
public final class OtherConfig {
    /** One setting: its name, how its text is read (throwing a message on bad input), what it means. */
    private record Key(String name, Parser parser, String help) {
    }

    @FunctionalInterface
    private interface Parser {
        Object parse(String text);
    }

    private static final Map<String, Key> GLOBAL = new LinkedHashMap<>();
    private static final Map<String, Key> PORT = new LinkedHashMap<>();

    static {
        global("n-handler-threads", t -> number(t, 1, 64), "upcall handler threads");
        global("n-revalidator-threads", t -> number(t, 1, 64), "revalidator threads");
        global("pmd-cpu-mask", t -> CpuAffinity.requireUsable(CpuAffinity.parseMask(t)), "CPUs of the PMD threads, a hex mask (0x6: CPUs 1 and 2)");
        global("emc-insert-inv-prob", t -> number(t, 0, Integer.MAX_VALUE),
                "insert into the EMC 1 in N times, 0 disables it");
        global("smc-enable", t -> oneOf(t, List.of("true", "false")).equals("true"),
                "the signature match cache between the EMC and the classifier (default true)");
        global("max-idle", t -> number(t, 1, Integer.MAX_VALUE), "delete flows idle this many ms");
        global("flow-limit", t -> number(t, 1, Integer.MAX_VALUE), "most datapath flows");
        global("pmd-rxq-assign", t -> oneOf(t, RxqScheduler.MODES), "cycles, roundrobin or group");
        global("pmd-rxq-isolate", t -> oneOf(t, List.of("true", "false")).equals("true"),
                "a PMD with a pinned queue polls no other");
        global("lb-timeouts", t -> ConnTimeouts.defaults().with(t),
                "STATE=SECONDS,...: how long select groups' connections live per state (tcp, tcpfin, udp, time_wait...)");
        global("expire-nodest-conn", t -> oneOf(t, List.of("true", "false")).equals("true"),
                "drop a removed bucket's connections at their next packet");
        global("estimator-cpus", OtherConfig::cpuListOrAny,
                "CPUs of the rate estimator threads, a CPU list (0-1,3) or any; a change restarts them");
        global("estimator-nice", t -> t.strip().equals("inherit") ? Integer.MIN_VALUE : number(t, -20, 19),
                "nice value of the rate estimator threads (-20..19, or inherit)");
        global("run-estimation", t -> oneOf(t, List.of("true", "false")).equals("true"),
                "estimate rates (IPVS's run_estimation); false keeps the last rates");
        PORT.put("n_rxq", new Key("n_rxq", t -> number(t, 1, 1024), "receive queues (dpdk ports)"));
        PORT.put("pmd-rxq-affinity", new Key("pmd-rxq-affinity", OtherConfig::affinity,
                "QUEUE:CORE,...: pin receive queues to PMD cores"));
        PORT.put("mtu_request", new Key("mtu_request", t -> number(t, 68, io.flowgate.fastpath.dpdk.MbufPool.MAX_MTU),
                "the device's MTU (dpdk ports; mbufs are sized at start for the largest)"));
    }

    private static void global(final String name, final Parser parser, final String help) {
        GLOBAL.put(name, new Key(name, parser, help));
    }

    private OtherConfig() {
    }

    /** The run-time keys, for help texts. */
    public static List<String> keys() {
        return List.copyOf(GLOBAL.keySet());
    }

    public static List<String> portKeys() {
        return List.copyOf(PORT.keySet());
    }

    /**
     * Reads {@code KEY=VALUE} pairs of global settings.
     *
     * @throws IllegalArgumentException naming the first pair that is not valid
     */
    public static Map<String, Object> parse(final List<String> pairs) {
        return parse(pairs, GLOBAL, "");
    }

    /** Reads {@code KEY=VALUE} pairs of one port's settings (n_rxq, pmd-rxq-affinity). */
    public static Map<String, Object> parsePort(final List<String> pairs) {
        return parse(pairs, PORT, "port ");
    }

    /** Reads one global setting's value. */
    public static Object parse(final String key, final String value) {
        return value(GLOBAL, "", key, value);
    }

    /** Reads one port setting's value. */
    public static Object parsePort(final String key, final String value) {
        return value(PORT, "port ", key, value);
    }

    private static Map<String, Object> parse(final List<String> pairs, final Map<String, Key> table,
                                             final String kind) {
        final Map<String, Object> out = new LinkedHashMap<>();
        for (String pair : pairs) {
            final int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("\"" + pair + "\": expected KEY=VALUE");
            }
            final String key = pair.substring(0, eq).strip();
            if (out.containsKey(key)) {
                throw new IllegalArgumentException(key + " given twice");
            }
            out.put(key, value(table, kind, key, pair.substring(eq + 1).strip()));
        }
        return out;
    }

    private static Object value(final Map<String, Key> table, final String kind, final String key, final String text) {
        final Key k = table.get(key);
        if (k == null) {
            throw new IllegalArgumentException("unknown " + kind + "setting \"" + key + "\" (known: "
                    + String.join(", ", table.keySet()) + ")");
        }
        try {
            return k.parser().parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + "=" + text + ": " + e.getMessage());
        }
    }

    /** A CPU list, or {@code any} (an empty set). */
    private static BitSet cpuListOrAny(final String text) {
        if (text.strip().equals("any")) {
            return new BitSet();
        }
        return CpuAffinity.requireUsable(CpuAffinity.parseList(text.strip()));
    }

    /** estimator-cpus, estimator-nice and run-estimation as estimator settings over {@code base}. */
    public static EstimatorSettings estimator(final EstimatorSettings base, final Map<String, Object> values) {
        EstimatorSettings e = base;
        if (values.containsKey("estimator-cpus")) {
            final BitSet cpus = (BitSet) values.get("estimator-cpus");
            e = e.withCpus(cpus.isEmpty() ? null : cpus);
        }
        if (values.containsKey("estimator-nice")) {
            final int n = (Integer) values.get("estimator-nice");
            e = e.withNice(n == Integer.MIN_VALUE ? null : n);
        }
        if (values.containsKey("run-estimation")) {
            e = e.withRun((Boolean) values.get("run-estimation"));
        }
        return e;
    }

    private static int number(final String text, final int min, final int max) {
        final long v;
        try {
            v = Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number");
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException("must be between " + min + " and " + max);
        }
        return (int) v;
    }

    private static String oneOf(final String text, final List<String> allowed) {
        if (!allowed.contains(text)) {
            throw new IllegalArgumentException("must be one of " + String.join(", ", allowed));
        }
        return text;
    }

    /** "0:3,1:7": queue 0 to core 3, queue 1 to core 7 (OVS's pmd-rxq-affinity). */
    private static Map<Integer, Integer> affinity(final String text) {
        final Map<Integer, Integer> out = new TreeMap<>();
        if (text.isBlank()) {
            return out;
        }
        for (String part : text.split(",")) {
            final String p = part.strip();
            final int colon = p.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("\"" + p + "\" is not QUEUE:CORE");
            }
            final int queue = number(p.substring(0, colon), 0, 1023);
            final int core = number(p.substring(colon + 1), 0, 1023);
            if (out.put(queue, core) != null) {
                throw new IllegalArgumentException("queue " + queue + " is pinned twice");
            }
        }
        return out;
    }

    /** Formats an affinity map as it is written. */
    public static String affinityText(final Map<Integer, Integer> affinity) {
        final StringBuilder s = new StringBuilder();
        new TreeMap<>(affinity).forEach((q, c) -> s.append(s.isEmpty() ? "" : ",").append(q).append(':').append(c));
        return s.toString();
    }

    /**
     * Applies checked global settings, threads last (they take longest), each through
     * {@link Reconfiguration}.
     */
    @SuppressWarnings("unchecked")
    public static void apply(final Reconfiguration r, final Map<String, Object> values) throws TimeoutException,
            InterruptedException {
        for (Map.Entry<String, Object> e : values.entrySet()) {
            switch (e.getKey()) {
                case "emc-insert-inv-prob" -> r.emcInsertInverse((Integer) e.getValue());
                case "smc-enable" -> r.smcEnable((Boolean) e.getValue());
                case "max-idle" -> r.maxIdle((Integer) e.getValue());
                case "flow-limit" -> r.flowLimit((Integer) e.getValue());
                case "lb-timeouts" -> r.datapath().loadBalancer().timeouts((ConnTimeouts) e.getValue());
                case "expire-nodest-conn" -> r.datapath().loadBalancer().expireNodestConn((Boolean) e.getValue());
                default -> {
                }
            }
        }
        if (values.containsKey("estimator-cpus") || values.containsKey("estimator-nice")
                || values.containsKey("run-estimation")) {
            // One change, one generation, however many of its keys were set.
            r.datapath().rates().estimators().update(old -> estimator(old, values));
        }
        if (values.containsKey("pmd-rxq-assign")) {
            r.assignMode((String) values.get("pmd-rxq-assign"));
        }
        if (values.containsKey("pmd-rxq-isolate")) {
            r.isolate((Boolean) values.get("pmd-rxq-isolate"));
        }
        if (values.containsKey("pmd-cpu-mask")) {
            r.pmdCpus((BitSet) values.get("pmd-cpu-mask"));
        }
        if (values.containsKey("n-handler-threads")) {
            r.handlers((Integer) values.get("n-handler-threads"));
        }
        if (values.containsKey("n-revalidator-threads")) {
            r.revalidators((Integer) values.get("n-revalidator-threads"));
        }
    }

    /** Applies checked settings of one port. */
    @SuppressWarnings("unchecked")
    public static void applyPort(final Reconfiguration r, final Port port, final Map<String, Object> values)
            throws TimeoutException, InterruptedException, DpdkException {
        if (values.containsKey("n_rxq")) {
            r.rxQueues(port, (Integer) values.get("n_rxq"));
        }
        if (values.containsKey("pmd-rxq-affinity")) {
            r.affinity(port, (Map<Integer, Integer>) values.get("pmd-rxq-affinity"));
        }
        if (values.containsKey("mtu_request")) {
            r.mtu(port, (Integer) values.get("mtu_request"));
        }
    }

    /** config/show: every run-time setting as it is now, one {@code key=value} per line. */
    public static String show(final Datapath dp) {
        final Reconfiguration r = dp.reconfiguration();
        final Map<String, String> v = new LinkedHashMap<>();
        v.put("emc-insert-inv-prob", Integer.toString(r.emcInsertInverse()));
        v.put("smc-enable", Boolean.toString(r.smcEnabled()));
        v.put("flow-limit", Integer.toString(dp.flowLimit().ceiling()));
        v.put("max-idle", Long.toString(dp.revalidators().settings().maxIdleMillis()));
        v.put("n-handler-threads", Integer.toString(dp.handlers().size()));
        v.put("n-revalidator-threads", Integer.toString(dp.revalidators().active()));
        final BitSet cores = new BitSet();
        boolean pinned = true;
        for (Pmd p : dp.pmds()) {
            cores.set(p.core());
            pinned &= p.cpus() != null;
        }
        v.put("pmd-cpu-mask", pinned ? CpuAffinity.toMask(cores) : "(not pinned: " + dp.pmds().length + " PMD(s))");
        v.put("pmd-rxq-assign", r.assignMode());
        v.put("pmd-rxq-isolate", Boolean.toString(r.isolate()));
        v.put("lb-timeouts", dp.loadBalancer().timeouts().toString());
        v.put("expire-nodest-conn", Boolean.toString(dp.loadBalancer().expireNodestConn()));
        final EstimatorSettings est = dp.rates().estimators().settings();
        v.put("estimator-cpus", est.cpus() == null ? "any" : CpuAffinity.toList(est.cpus()));
        v.put("estimator-nice", est.nice() == null ? "inherit" : est.nice().toString());
        v.put("run-estimation", Boolean.toString(est.run()));
        final StringBuilder s = new StringBuilder();
        v.forEach((k, x) -> s.append(k).append('=').append(x).append('\n'));
        for (Port p : dp.ports()) {
            s.append("port.").append(Integer.toUnsignedString(p.number())).append(".n_rxq=").append(p.rxQueueCount())
                    .append('\n');
            if (p instanceof io.flowgate.fastpath.dpdk.DpdkPort d && d.mtuRequest() > 0) {
                s.append("port.").append(Integer.toUnsignedString(p.number())).append(".mtu_request=")
                        .append(d.mtuRequest()).append('\n');
            }
            final Map<Integer, Integer> a = r.affinity(p);
            if (!a.isEmpty()) {
                s.append("port.").append(Integer.toUnsignedString(p.number())).append(".pmd-rxq-affinity=")
                        .append(affinityText(a)).append('\n');
            }
        }
        return s.toString();
    }
}
