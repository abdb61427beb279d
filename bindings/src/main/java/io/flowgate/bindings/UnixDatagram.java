package io.flowgate.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * One datagram to a Unix datagram socket, through libc ({@code socket}, {@code sendto}): what
 * systemd's {@code sd_notify} does (the JDK's channels have no Unix datagrams). A path starting
 * with {@code @} names a socket in the abstract namespace, as systemd's NOTIFY_SOCKET may. Also a
 * receiving socket, for tests.
 */
public final class UnixDatagram implements AutoCloseable {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_DONTWAIT = 0x40;
    /** sizeof(struct sockaddr_un): sa_family_t then 108 bytes of path. */
    private static final int SOCKADDR_UN = 110;
    private static final MethodHandle SOCKET = Libc.withErrno("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SENDTO = Libc.withErrno("sendto", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.JAVA_INT));
    private static final MethodHandle BIND = Libc.withErrno("bind", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle RECV = Libc.withErrno("recv", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = Libc.plain("close", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT));

    private final int fd;

    private UnixDatagram(final int fd) {
        this.fd = fd;
    }

    /** Sends {@code text} to the socket at {@code path} (a file system path, or @name). */
    public static void send(final String path, final String text) {
        send(path, text, false);
    }

    /**
     * Sends {@code text}; with {@code dontWait}, fails (EAGAIN) instead of waiting when the
     * reader's queue is full (MSG_DONTWAIT), for senders that must not stall, such as logging.
     */
    public static void send(final String path, final String text, final boolean dontWait) {
        try (UnixDatagram s = open(); Arena arena = Arena.ofConfined()) {
            final byte[] b = text.getBytes(StandardCharsets.UTF_8);
            final MemorySegment buf = arena.allocate(Math.max(1, b.length));
            MemorySegment.copy(b, 0, buf, ValueLayout.JAVA_BYTE, 0, b.length);
            final MemorySegment addr = address(arena, path);
            final MemorySegment state = Libc.errnoState(arena);
            final long n = (long) SENDTO.invokeExact(state, s.fd, buf, (long) b.length,
                    dontWait ? MSG_DONTWAIT : 0, addr, length(path));
            if (n < 0) {
                throw new IllegalStateException("sendto " + path + " failed: errno " + Libc.errno(state));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** A socket bound at {@code path}, to receive datagrams (tests). */
    public static UnixDatagram bind(final String path) {
        final UnixDatagram s = open();
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = Libc.errnoState(arena);
            final int rc = (int) BIND.invokeExact(state, s.fd, address(arena, path), length(path));
            if (rc != 0) {
                s.close();
                throw new IllegalStateException("bind " + path + " failed: errno " + Libc.errno(state));
            }
            return s;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Waits for the next datagram and returns its text. */
    public String receive() {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment buf = arena.allocate(4096);
            final MemorySegment state = Libc.errnoState(arena);
            final long n = (long) RECV.invokeExact(state, fd, buf, 4096L, 0);
            if (n < 0) {
                throw new IllegalStateException("recv failed: errno " + Libc.errno(state));
            }
            return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static UnixDatagram open() {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = Libc.errnoState(arena);
            final int fd = (int) SOCKET.invokeExact(state, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw new IllegalStateException("socket(AF_UNIX, SOCK_DGRAM) failed: errno " + Libc.errno(state));
            }
            return new UnixDatagram(fd);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static MemorySegment address(final Arena arena, final String path) {
        final byte[] p = path.getBytes(StandardCharsets.UTF_8);
        if (p.length == 0 || p.length > SOCKADDR_UN - 3) {
            throw new IllegalArgumentException("socket path \"" + path + "\" is empty or too long");
        }
        final MemorySegment a = arena.allocate(SOCKADDR_UN, 2);
        a.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(p, 0, a, ValueLayout.JAVA_BYTE, 2, p.length);
        if (p[0] == '@') {
            a.set(ValueLayout.JAVA_BYTE, 2, (byte) 0); // the abstract namespace
        }
        return a;
    }

    /** The address length: the family, the path, and for a file system path its terminating NUL. */
    private static int length(final String path) {
        final int n = path.getBytes(StandardCharsets.UTF_8).length;
        return 2 + n + (path.startsWith("@") ? 0 : 1);
    }

    @Override
    public void close() {
        try {
            final int rc = (int) CLOSE.invokeExact(fd);
            if (rc != 0) {
                throw new IllegalStateException("close failed");
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
