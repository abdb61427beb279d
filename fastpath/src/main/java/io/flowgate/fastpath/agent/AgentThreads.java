package io.flowgate.fastpath.agent;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * The {@link AgentHost} of a datapath: one daemon platform thread per agent, named by its role,
 * looping {@code doWork()} with an idle strategy that suits its kind. An exception escaping a
 * duty cycle goes to the error handler, with the agent and its kind; the handler decides what it
 * means (the datapath stops when a PMD fails), the loop goes on until it is stopped.
 */
public final class AgentThreads implements AgentHost, AutoCloseable {
    /** What is told of an exception that escaped an agent's duty cycle (on the agent's thread). */
    @FunctionalInterface
    public interface ErrorHandler {
        void failed(Agent agent, Kind kind, Throwable t);
    }

    private final boolean busyPoll;
    private final ErrorHandler onError;
    private final Map<Agent, AgentRunner> runners = new IdentityHashMap<>();

    /** @param busyPoll PMDs spin when idle (production); otherwise they back off (tests, replay) */
    public AgentThreads(final boolean busyPoll, final ErrorHandler onError) {
        this.busyPoll = busyPoll;
        this.onError = onError;
    }

    private IdleStrategy idle(final Kind kind) {
        return switch (kind) {
            case PMD -> busyPoll ? new BusySpinIdleStrategy()
                    : new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(200));
            case HANDLER -> new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1),
                    TimeUnit.MICROSECONDS.toNanos(200));
            case REVALIDATOR -> new BackoffIdleStrategy(10, 10, TimeUnit.MICROSECONDS.toNanos(10),
                    TimeUnit.MILLISECONDS.toNanos(5));
        };
    }

    @Override
    public synchronized void start(final Agent agent, final Kind kind) {
        if (runners.containsKey(agent)) {
            throw new IllegalStateException(agent.roleName() + " is already running");
        }
        final AgentRunner runner = new AgentRunner(idle(kind), t -> onError.failed(agent, kind, t), null, agent);
        runners.put(agent, runner);
        AgentRunner.startOnThread(runner, r -> {
            final Thread t = new Thread(r, agent.roleName());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void stop(final Agent agent) {
        final AgentRunner runner;
        synchronized (this) {
            runner = runners.remove(agent);
        }
        if (runner != null) {
            runner.close();
        }
    }

    /** Agents running now. */
    public synchronized List<Agent> agents() {
        return new ArrayList<>(runners.keySet());
    }

    /** Stops every thread. */
    @Override
    public void close() {
        final List<AgentRunner> all;
        synchronized (this) {
            all = new ArrayList<>(runners.values());
            runners.clear();
        }
        for (AgentRunner r : all) {
            r.close();
        }
    }
}
