package io.flowgate.daemon.openflow;

import static io.flowgate.daemon.openflow.OfConnection.HEADER;
import static io.flowgate.daemon.openflow.OfConnection.MAX_VERSION;
import static io.flowgate.daemon.openflow.OfConnection.MIN_VERSION;
import static io.flowgate.daemon.openflow.OfConnection.TYPE_ERROR;
import static io.flowgate.daemon.openflow.OfConnection.TYPE_HELLO;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFVersion;

/**
 * OpenFlow's version negotiation: our HELLO (the highest version we speak, with a bitmap of all
 * of them), the version settled from the peer's HELLO (its bitmap if it sent one, else its
 * header's version and every older one), and OFPET_HELLO_FAILED when nothing is in common.
 */
final class OfHello {
    private OfHello() {
    }

    static byte[] ours() {
        final ByteBuffer b = ByteBuffer.allocate(HEADER + 8);
        b.put((byte) MAX_VERSION).put((byte) TYPE_HELLO).putShort((short) (HEADER + 8)).putInt(0);
        int bitmap = 0;
        for (int v = MIN_VERSION; v <= MAX_VERSION; v++) {
            bitmap |= 1 << v;
        }
        b.putShort((short) 1).putShort((short) 8).putInt(bitmap); // OFPHET_VERSIONBITMAP
        return b.array();
    }

    /** The factory of the version both speak, or null (not a HELLO, or no version in common). */
    static OFFactory agree(final byte[] hello) {
        if ((hello[1] & 0xFF) != TYPE_HELLO) {
            return null;
        }
        final int peer = versions(hello);
        for (int v = MAX_VERSION; v >= MIN_VERSION; v--) {
            if ((peer & (1 << v)) != 0) {
                for (OFVersion version : OFVersion.values()) {
                    if (version.getWireVersion() == v) {
                        return OFFactories.getFactory(version);
                    }
                }
            }
        }
        return null;
    }

    /** Why {@link #agree} found nothing, in the words OVS uses. */
    static String whyNot(final byte[] hello) {
        return (hello[1] & 0xFF) != TYPE_HELLO ? "expected a HELLO, got message type " + (hello[1] & 0xFF)
                : "We support version 0x0" + Integer.toHexString(MAX_VERSION) + ", but you support no later than"
                        + " version 0x" + String.format("%02x", hello[0] & 0xFF) + ".";
    }

    /** The versions the peer speaks, as a bitmap. */
    private static int versions(final byte[] hello) {
        final int peerVersion = hello[0] & 0xFF;
        int peer = peerVersion >= 31 ? -1 : (1 << (peerVersion + 1)) - 1; // that version and every older one
        final ByteBuffer b = ByteBuffer.wrap(hello);
        int at = HEADER;
        while (at + 4 <= hello.length) {
            final int type = b.getShort(at) & 0xFFFF;
            final int len = b.getShort(at + 2) & 0xFFFF;
            if (len < 4 || at + len > hello.length) {
                break;
            }
            if (type == 1 && len >= 8) {
                peer = b.getInt(at + 4); // the first 32 versions are all we could speak
            }
            at += (len + 7) & ~7;
        }
        return peer;
    }

    /** OFPET_HELLO_FAILED / OFPHFC_INCOMPATIBLE with an ASCII explanation, as the spec asks; then the connection ends. */
    static byte[] failed(final byte[] hello, final String why) {
        final byte[] text = why.getBytes(StandardCharsets.US_ASCII);
        final ByteBuffer b = ByteBuffer.allocate(HEADER + 4 + text.length);
        b.put((byte) MAX_VERSION).put((byte) TYPE_ERROR).putShort((short) b.capacity())
                .putInt((int) OfConnection.xid(hello));
        b.putShort((short) 0).putShort((short) 0).put(text);
        return b.array();
    }
}
