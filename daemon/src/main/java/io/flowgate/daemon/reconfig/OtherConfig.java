package io.flowgate.daemon.reconfig;

import io.flowgate.daemon.config.Setting;
import io.flowgate.daemon.config.Settings;
import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.fastpath.dpdk.DpdkException;
import io.flowgate.fastpath.port.Port;
import io.flowgate.revalidator.estimator.EstimatorSettings;
import io.flowgate.slowpath.lb.ConnTimeouts;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;

/**
 * The settings that change at run time, by the names of OVS's {@code other_config} (and, per
 * port, of its interface {@code options}/{@code other_config}), used by {@code config/set},
 * {@code port/set} and {@code config/show}. The global ones are declared in {@link Settings} with
 * the rest; the per-port ones here. A request is checked whole before anything is applied: a bad
 * value is refused with a message that names it, and nothing changes.
 */
public final class OtherConfig {
    /** One port setting: its name, how its text is read (throwing a message on bad input), what it means. */
    private record Key(String name, Parser parser, String help) {
    }

    @FunctionalInterface
    private interface Parser {
        Object parse(String text);
    }

    /** The run-time settings of {@link Settings}, by OVS's name, in the order config/set lists them. */
    private static final Map<String, Setting<?>> GLOBAL = new LinkedHashMap<>();
    private static final Map<String, Key> PORT = new LinkedHashMap<>();

    static {
        Settings.live().forEach(s -> GLOBAL.put(s.ovsName(), s));
        PORT.put("n_rxq", new Key("n_rxq", t -> Settings.wholeNumber(t, 1, 1024), "receive queues (dpdk ports)"));
        PORT.put("pmd-rxq-affinity", new Key("pmd-rxq-affinity", OtherConfig::affinity,
                "QUEUE:CORE,...: pin receive queues to PMD cores"));
        PORT.put("mtu_request", new Key("mtu_request",
                t -> Settings.wholeNumber(t, 68, io.flowgate.fastpath.dpdk.MbufPool.MAX_MTU),
                "the device's MTU (dpdk ports; mbufs are sized at start for the largest)"));
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
        return parse(pairs, OtherConfig::parse);
    }

    /** Reads {@code KEY=VALUE} pairs of one port's settings (n_rxq, pmd-rxq-affinity). */
    public static Map<String, Object> parsePort(final List<String> pairs) {
        return parse(pairs, OtherConfig::parsePort);
    }

    /** Reads one global setting's value. */
    public static Object parse(final String key, final String value) {
        final Setting<?> s = GLOBAL.get(key);
        if (s == null) {
            throw unknown("", key, GLOBAL.keySet());
        }
        return s.parse(value);
    }

    /** Reads one port setting's value. */
    public static Object parsePort(final String key, final String value) {
        return value(PORT, "port ", key, value);
    }

    private static Map<String, Object> parse(final List<String> pairs, final BiFunction<String, String, Object> value) {
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
            out.put(key, value.apply(key, pair.substring(eq + 1).strip()));
        }
        return out;
    }

    private static Object value(final Map<String, Key> table, final String kind, final String key, final String text) {
        final Key k = table.get(key);
        if (k == null) {
            throw unknown(kind, key, table.keySet());
        }
        try {
            return k.parser().parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + "=" + text + ": " + e.getMessage());
        }
    }

    private static IllegalArgumentException unknown(final String kind, final String key, final Set<String> known) {
        return new IllegalArgumentException("unknown " + kind + "setting \"" + key + "\" (known: "
                + String.join(", ", known) + ")");
    }

    /** estimator-cpus, estimator-nice and run-estimation as estimator settings over {@code base}. */
    public static EstimatorSettings estimator(final EstimatorSettings base, final Map<String, Object> values) {
        EstimatorSettings e = base;
        if (values.containsKey("estimator-cpus")) {
            final BitSet cpus = (BitSet) values.get("estimator-cpus");
            e = e.withCpus(cpus.isEmpty() ? null : cpus);
        }
        if (values.containsKey("estimator-nice")) {
            e = e.withNice((Integer) values.get("estimator-nice")); // null: inherit
        }
        if (values.containsKey("run-estimation")) {
            e = e.withRun((Boolean) values.get("run-estimation"));
        }
        return e;
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
            final int queue = Settings.wholeNumber(p.substring(0, colon), 0, 1023);
            final int core = Settings.wholeNumber(p.substring(colon + 1), 0, 1023);
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
                case "lb-timeouts" -> r.bridge().loadBalancer().timeouts((ConnTimeouts) e.getValue());
                case "expire-nodest-conn" -> r.bridge().loadBalancer().expireNodestConn((Boolean) e.getValue());
                default -> {
                }
            }
        }
        if (values.containsKey("estimator-cpus") || values.containsKey("estimator-nice")
                || values.containsKey("run-estimation")) {
            // One change, one generation, however many of its keys were set.
            r.bridge().rates().estimators().update(old -> estimator(old, values));
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
    public static String show(final Bridge dp) {
        final Reconfiguration r = dp.reconfiguration();
        final StringBuilder s = new StringBuilder();
        GLOBAL.forEach((k, setting) -> s.append(k).append('=').append(setting.shown().apply(dp)).append('\n'));
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
