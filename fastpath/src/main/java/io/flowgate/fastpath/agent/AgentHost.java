package io.flowgate.fastpath.agent;

import org.agrona.concurrent.Agent;

/**
 * Where agents get their threads: PMDs, handlers and revalidators are started and stopped one by
 * one as the configuration changes, by whoever owns the threads (the datapath).
 */
public interface AgentHost {
    /** What an agent is, which decides how its thread idles. */
    enum Kind {
        /** Busy-polls when the datapath is set to (a whole core), else backs off. */
        PMD,
        /** Backs off to 200 µs. */
        HANDLER,
        /** Backs off to 5 ms. */
        REVALIDATOR
    }

    /** Starts a thread running {@code agent}'s duty cycle. */
    void start(Agent agent, Kind kind);

    /** Stops {@code agent}'s thread and waits until it has ended (its {@code onClose} has run). */
    void stop(Agent agent);
}
