package io.flowgate.fastpath.parse;

import java.util.Arrays;
import java.util.SplittableRandom;

final class FlowExtractorTestSupport {
    static final long NO_OFFSETS = FlowExtractor.offsets(FlowExtractor.NO_OFFSET, FlowExtractor.NO_OFFSET);

    private FlowExtractorTestSupport() {
    }

    /**
     * The frame with, in two of three tries, 1 to 4 bits flipped in bytes {@code [from, to)} (as
     * far as the frame goes) and, in two of three, cut to a random length (one try does both).
     */
    static byte[] mutate(final byte[] seed, final SplittableRandom r, final int from, final int to) {
        byte[] f = seed.clone();
        final int kind = r.nextInt(3);
        final int end = Math.min(f.length, to);
        if (kind != 1) {
            final int flips = 1 + r.nextInt(4);
            for (int i = 0; i < flips && end > from; i++) {
                final int at = from + r.nextInt(end - from);
                f[at] ^= (byte) (1 << r.nextInt(8));
            }
        }
        if (kind != 0) {
            f = Arrays.copyOf(f, r.nextInt(0, f.length + 1));
        }
        return f;
    }
}
