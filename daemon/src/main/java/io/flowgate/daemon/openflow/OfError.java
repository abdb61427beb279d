package io.flowgate.daemon.openflow;

import java.util.Arrays;

import org.projectfloodlight.openflow.protocol.OFBadActionCode;
import org.projectfloodlight.openflow.protocol.OFBadInstructionCode;
import org.projectfloodlight.openflow.protocol.OFBadMatchCode;
import org.projectfloodlight.openflow.protocol.OFBadRequestCode;
import org.projectfloodlight.openflow.protocol.OFErrorMsg;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowModFailedCode;
import org.projectfloodlight.openflow.protocol.OFGroupModFailedCode;
import org.projectfloodlight.openflow.protocol.OFPortModFailedCode;
import org.projectfloodlight.openflow.protocol.OFRoleRequestFailedCode;
import org.projectfloodlight.openflow.protocol.errormsg.OFErrorMsgs;
import org.projectfloodlight.openflow.types.OFErrorCauseData;

/**
 * A request the switch refuses, with the OpenFlow error type and code OVS would send and, for
 * the log, what exactly was wrong. The reply carries the whole request as its data, as OVS's does.
 */
final class OfError extends Exception {
    private static final long serialVersionUID = 1L;
    /** At most this much of the request goes back with the error (a reply must fit in 64 KiB). */
    private static final int MAX_DATA = 65535 - 12;

    enum BadRequest { BAD_VERSION, BAD_TYPE, BAD_STAT, BAD_EXPERIMENTER, BAD_LEN, BUFFER_UNKNOWN, BAD_TABLE_ID, BAD_PORT,
        BAD_PACKET, EPERM, IS_SLAVE }

    private enum Kind { BAD_REQUEST, BAD_MATCH, BAD_ACTION, BAD_INSTRUCTION, FLOW_MOD_FAILED, GROUP_MOD_FAILED, PORT_MOD_FAILED,
        ROLE_REQUEST_FAILED }

    private final Kind kind;
    private final String code;

    private OfError(final Kind kind, final Enum<?> code, final String why) {
        super(why);
        this.kind = kind;
        this.code = code.name();
    }

    static OfError badRequest(final BadRequest code, final String why) {
        return new OfError(Kind.BAD_REQUEST, code, why);
    }

    static OfError badMatch(final OFBadMatchCode code, final String why) {
        return new OfError(Kind.BAD_MATCH, code, why);
    }

    static OfError badAction(final OFBadActionCode code, final String why) {
        return new OfError(Kind.BAD_ACTION, code, why);
    }

    static OfError badInstruction(final OFBadInstructionCode code, final String why) {
        return new OfError(Kind.BAD_INSTRUCTION, code, why);
    }

    static OfError flowModFailed(final OFFlowModFailedCode code, final String why) {
        return new OfError(Kind.FLOW_MOD_FAILED, code, why);
    }

    static OfError groupModFailed(final OFGroupModFailedCode code, final String why) {
        return new OfError(Kind.GROUP_MOD_FAILED, code, why);
    }

    static OfError portModFailed(final OFPortModFailedCode code, final String why) {
        return new OfError(Kind.PORT_MOD_FAILED, code, why);
    }

    static OfError roleRequestFailed(final OFRoleRequestFailedCode code, final String why) {
        return new OfError(Kind.ROLE_REQUEST_FAILED, code, why);
    }

    /**
     * The error for a message the codec could not read, from what it choked on: an unknown message
     * type, multipart type, match field, action or instruction, or a bad length.
     */
    static OfError unreadable(final int type, final String parseError) {
        final String why = "cannot read message type " + type + ": " + parseError;
        final String p = parseError == null ? "" : parseError;
        if (p.contains("discriminator type of class OFMessage") || p.contains("of class OFMessageVer")) {
            return badRequest(BadRequest.BAD_TYPE, why);
        }
        if (p.contains("OFStatsRequest") || p.contains("statsType") || p.contains("OFExperimenterStatsRequest")) {
            return badRequest(BadRequest.BAD_STAT, why);
        }
        if (p.contains("OFOxm") || p.contains("OFMatch")) {
            return badMatch(OFBadMatchCode.BAD_FIELD, why);
        }
        if (p.contains("OFAction")) {
            return badAction(p.contains("xperimenter") || p.contains("subtype") ? OFBadActionCode.BAD_EXPERIMENTER_TYPE
                    : OFBadActionCode.BAD_TYPE, why);
        }
        if (p.contains("OFInstruction")) {
            return badInstruction(OFBadInstructionCode.UNKNOWN_INST, why);
        }
        if (p.contains("xperimenter")) {
            return badRequest(BadRequest.BAD_EXPERIMENTER, why);
        }
        return badRequest(BadRequest.BAD_LEN, why);
    }

    /** The error message answering {@code request} (its xid, its bytes as data). */
    OFErrorMsg toMessage(final OFFactory f, final long xid, final byte[] request) {
        final OFErrorCauseData data = OFErrorCauseData.of(request.length > MAX_DATA ? Arrays.copyOf(request, MAX_DATA)
                : request, f.getVersion());
        final OFErrorMsgs e = f.errorMsgs();
        return switch (kind) {
            case BAD_REQUEST -> e.buildBadRequestErrorMsg().setXid(xid).setCode(OFBadRequestCode.valueOf(code))
                    .setData(data).build();
            case BAD_MATCH -> e.buildBadMatchErrorMsg().setXid(xid).setCode(OFBadMatchCode.valueOf(code)).setData(data)
                    .build();
            case BAD_ACTION -> e.buildBadActionErrorMsg().setXid(xid).setCode(OFBadActionCode.valueOf(code))
                    .setData(data).build();
            case BAD_INSTRUCTION -> e.buildBadInstructionErrorMsg().setXid(xid)
                    .setCode(OFBadInstructionCode.valueOf(code)).setData(data).build();
            case FLOW_MOD_FAILED -> e.buildFlowModFailedErrorMsg().setXid(xid).setCode(OFFlowModFailedCode.valueOf(code))
                    .setData(data).build();
            case GROUP_MOD_FAILED -> e.buildGroupModFailedErrorMsg().setXid(xid)
                    .setCode(OFGroupModFailedCode.valueOf(code)).setData(data).build();
            case PORT_MOD_FAILED -> e.buildPortModFailedErrorMsg().setXid(xid).setCode(OFPortModFailedCode.valueOf(code))
                    .setData(data).build();
            case ROLE_REQUEST_FAILED -> e.buildRoleRequestFailedErrorMsg().setXid(xid)
                    .setCode(OFRoleRequestFailedCode.valueOf(code)).setData(data).build();
        };
    }

    /** OVS's name of the error, e.g. OFPBMC_BAD_PREREQ (logs and tests). */
    String ovsName() {
        final String prefix = switch (kind) {
            case BAD_REQUEST -> "OFPBRC_";
            case BAD_MATCH -> "OFPBMC_";
            case BAD_ACTION -> "OFPBAC_";
            case BAD_INSTRUCTION -> "OFPBIC_";
            case FLOW_MOD_FAILED -> "OFPFMFC_";
            case GROUP_MOD_FAILED -> "OFPGMFC_";
            case PORT_MOD_FAILED -> "OFPPMFC_";
            case ROLE_REQUEST_FAILED -> "OFPRRFC_";
        };
        return prefix + code;
    }
}
