package io.flowgate.revalidator.estimator;

/**
 * An estimator's rates as IPVS reads them out ({@code ip_vs_read_estimator}): connections and
 * packets per second, rounded from their 2^10 scale; bytes per second, rounded from 2^5.
 */
public record Rates(long cps, long inPps, long outPps, long inBps, long outBps) {
    public static final Rates ZERO = new Rates(0, 0, 0, 0, 0);

    /** A scaled connection or packet rate (2^10) read out. */
    public static long perSecond(final long scaled) {
        return (scaled + 0x1FF) >> 10;
    }

    /** A scaled byte rate (2^5) read out. */
    public static long bytesPerSecond(final long scaled) {
        return (scaled + 0xF) >> 5;
    }
}
