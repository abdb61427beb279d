package io.flowgate.fastpath.pcap;

import java.io.IOException;
import java.nio.file.Path;

/** A capture file that is damaged or of a kind Flowgate cannot read; names the file and offset. */
public final class PcapFormatException extends IOException {
    @java.io.Serial
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;

    public PcapFormatException(final Path file, final long offset, final String problem) {
        super(file + ": " + problem + " at byte offset " + offset);
        this.file = file;
        this.offset = offset;
    }

    public Path file() {
        return file;
    }

    /** Byte offset in the file where the damage starts. */
    public long offset() {
        return offset;
    }
}
