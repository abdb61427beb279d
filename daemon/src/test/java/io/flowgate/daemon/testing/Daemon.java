package io.flowgate.daemon.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A {@code flowgate run} child process whose standard error is collected line by line as it comes. */
public final class Daemon implements AutoCloseable {
    private final Process process;
    private final List<String> errLines = new ArrayList<>();
    private final Thread errReader;
    private String stdout;

    private Daemon(final Process process) {
        this.process = process;
        this.errReader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (errLines) {
                        errLines.add(line);
                        errLines.notifyAll();
                    }
                }
            } catch (IOException e) {
                // The process went away; what was read is kept.
            }
        });
    }

    public static Daemon start(final String... args) throws IOException {
        return new Daemon(FlowgateProcess.builder(List.of("-Xmx256m"), args).start());
    }

    /** Started in another working directory than the test's. */
    public static Daemon startIn(final java.nio.file.Path directory, final String... args) throws IOException {
        return new Daemon(FlowgateProcess.builder(List.of("-Xmx256m"), args).directory(directory.toFile()).start());
    }

    public Process process() {
        return process;
    }

    public long pid() {
        return process.pid();
    }

    /** Waits for a line of standard error that satisfies {@code test}; fails with all lines so far. */
    public String awaitErr(final Predicate<String> test, final long timeout, final TimeUnit unit)
            throws InterruptedException {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (errLines) {
            while (true) {
                for (String l : errLines) {
                    if (test.test(l)) {
                        return l;
                    }
                }
                final long left = deadline - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && !errReader.isAlive())) {
                    throw new AssertionError("expected line not seen; standard error so far: " + errLines);
                }
                errLines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    /** Sends a signal by name (TERM, INT, ...) with kill(1). */
    public void signal(final String name) throws IOException, InterruptedException {
        final Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** Waits for the exit and returns the status (standard output is then in {@link #stdout()}). */
    public int awaitExit(final long timeout, final TimeUnit unit) throws InterruptedException, IOException {
        if (!process.waitFor(timeout, unit)) {
            throw new AssertionError("still running after " + timeout + " " + unit + "; standard error: " + err());
        }
        errReader.join(TimeUnit.SECONDS.toMillis(5));
        stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return process.exitValue();
    }

    public String stdout() {
        return stdout;
    }

    public String err() {
        synchronized (errLines) {
            return String.join("\n", errLines);
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
