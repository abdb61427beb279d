package io.flowgate.slowpath.classifier;

/**
 * Copy-on-write arrays in pages, for the open-addressing tables of an immutable {@link Subtable}:
 * a new version copies the page table and then only the pages it writes, sharing the rest with
 * the version it came from. A rule added to a subtable of 100,000 rules (a controller's FLOW_MOD
 * followed by a BARRIER, one version each) so costs a few kilobytes instead of megabytes.
 * Lookups pay one more indirection. Written only while a version is being made, by one thread;
 * read-only once published.
 */
final class Paged {
    private static final int SHIFT = 10;
    private static final int SIZE = 1 << SHIFT;
    private static final int MASK = SIZE - 1;

    private Paged() {
    }

    private static int pages(final int length) {
        return Math.max(1, (length + MASK) >>> SHIFT);
    }

    private static int pageLength(final int length) {
        return Math.min(length, SIZE);
    }

    /** longs: rule hashes and stage indices (0 is "empty" to their users). */
    static final class Longs {
        private final long[][] pages;
        /** Pages this version may write: its own, until a copy is made (the copy then writes its own). */
        private final boolean[] owned;
        private final int length;

        Longs(final int length) {
            this.length = length;
            this.pages = new long[pages(length)][];
            this.owned = new boolean[pages.length];
            for (int p = 0; p < pages.length; p++) {
                pages[p] = new long[pageLength(length)];
                owned[p] = true;
            }
        }

        private Longs(final Longs base) {
            this.length = base.length;
            this.pages = base.pages.clone();
            this.owned = new boolean[pages.length];
            java.util.Arrays.fill(base.owned, false); // the pages are shared now: neither may write them in place
        }

        /** A new version sharing every page until written. */
        Longs copy() {
            return new Longs(this);
        }

        int length() {
            return length;
        }

        long get(final int i) {
            return pages[i >>> SHIFT][i & MASK];
        }

        void set(final int i, final long v) {
            final int p = i >>> SHIFT;
            if (!owned[p]) {
                pages[p] = pages[p].clone();
                owned[p] = true;
            }
            pages[p][i & MASK] = v;
        }
    }

    /** References: the rule lists by slot. */
    static final class Refs<T> {
        private final Object[][] pages;
        private final boolean[] owned;

        Refs(final int length) {
            this.pages = new Object[pages(length)][];
            this.owned = new boolean[pages.length];
            for (int p = 0; p < pages.length; p++) {
                pages[p] = new Object[pageLength(length)];
                owned[p] = true;
            }
        }

        private Refs(final Refs<T> base) {
            this.pages = base.pages.clone();
            this.owned = new boolean[pages.length];
            java.util.Arrays.fill(base.owned, false);
        }

        /** A new version sharing every page until written. */
        Refs<T> copy() {
            return new Refs<>(this);
        }

        @SuppressWarnings("unchecked")
        T get(final int i) {
            return (T) pages[i >>> SHIFT][i & MASK];
        }

        void set(final int i, final T v) {
            final int p = i >>> SHIFT;
            if (!owned[p]) {
                pages[p] = pages[p].clone();
                owned[p] = true;
            }
            pages[p][i & MASK] = v;
        }
    }
}
