package io.flowgate.daemon.control;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON-RPC 1.0 messages of OVS's unixctl protocol. A request is exactly
 * {@code {"id":ID,"method":"name","params":[...]}}; anything else (a reply, a notification, an
 * unknown member, a method that is not a string, params that are not an array) is a protocol
 * error, on which OVS closes the connection without a reply.
 */
final class JsonRpc {
    private static final JsonFactory JSON = new JsonFactory();

    private JsonRpc() {
    }

    /** A protocol error: the connection is closed. */
    static final class ProtocolException extends Exception {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        ProtocolException(final String message) {
            super(message);
        }
    }

    /**
     * A request.
     *
     * @param id     the id as JSON text, echoed in the reply
     * @param params each parameter, or null where it was not a string
     */
    record Request(String id, String method, List<String> params) {
        boolean allStrings() {
            for (String p : params) {
                if (p == null) {
                    return false;
                }
            }
            return true;
        }
    }

    static Request parse(final byte[] json) throws ProtocolException {
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ProtocolException("message is not a JSON object");
            }
            String id = null;
            String method = null;
            List<String> params = null;
            boolean sawMethod = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String name = p.currentName();
                final JsonToken t = p.nextToken();
                switch (name) {
                    case "id" -> id = idText(p, t);
                    case "method" -> {
                        if (t != JsonToken.VALUE_STRING) {
                            throw new ProtocolException("\"method\" is not a string");
                        }
                        method = p.getText();
                        sawMethod = true;
                    }
                    case "params" -> {
                        if (t != JsonToken.START_ARRAY) {
                            throw new ProtocolException("\"params\" is not an array");
                        }
                        params = new ArrayList<>();
                        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                            if (e == JsonToken.VALUE_STRING) {
                                params.add(p.getText());
                            } else {
                                params.add(null);
                                p.skipChildren();
                            }
                        }
                    }
                    case "result", "error" -> throw new ProtocolException("received a reply where a request belongs");
                    default -> throw new ProtocolException("message has unexpected member \"" + name + "\"");
                }
            }
            if (!sawMethod) {
                throw new ProtocolException("message has no \"method\"");
            }
            if (params == null) {
                throw new ProtocolException("request has no \"params\"");
            }
            if (id == null) {
                throw new ProtocolException("request has no \"id\" (notifications are not accepted)");
            }
            return new Request(id, method, params);
        } catch (IOException e) {
            throw new ProtocolException("invalid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static String idText(final JsonParser p, final JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getText();
            case VALUE_STRING -> quote(p.getText());
            case VALUE_TRUE -> "true";
            case VALUE_FALSE -> "false";
            case VALUE_NULL -> null;
            default -> {
                p.skipChildren();
                yield null;
            }
        };
    }

    private static String quote(final String s) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeString(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** OVS's success reply; a non-empty body ends with a newline. */
    static byte[] result(final String id, final String body) {
        return ("{\"id\":" + id + ",\"result\":" + quote(withNewline(body)) + ",\"error\":null}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** OVS's error reply. */
    static byte[] error(final String id, final String text) {
        return ("{\"id\":" + id + ",\"error\":" + quote(withNewline(text)) + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** A request as a client sends it. */
    static byte[] request(final String method, final List<String> params) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("id", 0);
            g.writeStringField("method", method);
            g.writeArrayFieldStart("params");
            for (String s : params) {
                g.writeString(s);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A reply as a client reads it: exactly one of result and error is non-null. */
    record Reply(String result, String error) {
    }

    static Reply parseReply(final byte[] json) throws ProtocolException {
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ProtocolException("reply is not a JSON object");
            }
            String result = null;
            String error = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String name = p.currentName();
                final JsonToken t = p.nextToken();
                if (name.equals("result") && t == JsonToken.VALUE_STRING) {
                    result = p.getText();
                } else if (name.equals("error") && t == JsonToken.VALUE_STRING) {
                    error = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            if (result == null && error == null) {
                throw new ProtocolException("reply has neither result nor error");
            }
            return new Reply(result, error);
        } catch (IOException e) {
            throw new ProtocolException("invalid JSON in reply: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static String withNewline(final String body) {
        return body.isEmpty() || body.endsWith("\n") ? body : body + "\n";
    }
}
