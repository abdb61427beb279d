package io.flowgate.bench;

import io.flowgate.fastpath.port.Port;

/** What the benchmarks' synthetic ports have in common: a number, a kind that is also the spec, nothing to close. */
abstract class BenchPort implements Port {
    private final int number;
    private final String kind;

    BenchPort(final int number, final String kind) {
        this.number = number;
        this.kind = kind;
    }

    @Override
    public final int number() {
        return number;
    }

    @Override
    public final String spec() {
        return kind;
    }

    @Override
    public final String type() {
        return kind;
    }

    @Override
    public void close() {
    }
}
