package dev.quarry.meta.ratis;

import dev.quarry.meta.error.MetaException;
import dev.quarry.proto.v1.MetaCommandResponse;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The reply {@code applyTransaction} returns through Ratis: either the {@link MetaCommandResponse},
 * or a rejection found only at apply time (a command valid when the leader accepted it but not
 * after an earlier entry in the log was applied, e.g. two concurrent creates of one index).
 *
 * <p>Rejections travel as a successful Ratis reply carrying this envelope, not as a failed future:
 * a failed apply future would stop Ratis' state machine updater. Layout: one tag byte
 * ({@code 0} = ok, then the response bytes; {@code 1} = rejected, then the kind name and the
 * message as modified UTF-8). The kind is written by name so reordering the enum stays compatible.
 * Internal to raft-meta: only peers and their own facades read it.
 */
final class ApplyReply {
    private static final byte OK = 0;
    private static final byte REJECTED = 1;
    /** {@code writeUTF} refuses more than 64 KiB; messages are short anyway. */
    private static final int MAX_MESSAGE_CHARS = 4096;

    private ApplyReply() {}

    static Message ok(MetaCommandResponse response) {
        byte[] body = response.toByteArray();
        byte[] out = new byte[body.length + 1];
        out[0] = OK;
        System.arraycopy(body, 0, out, 1, body.length);
        return Message.valueOf(ByteString.copyFrom(out));
    }

    static Message rejected(MetaException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (message.length() > MAX_MESSAGE_CHARS) {
            message = message.substring(0, MAX_MESSAGE_CHARS);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(REJECTED);
            out.writeUTF(e.kind().name());
            out.writeUTF(message);
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return Message.valueOf(ByteString.copyFrom(bytes.toByteArray()));
    }

    /** Returns the response, or throws the rejection as a {@link MetaException}. */
    static MetaCommandResponse decode(ByteString content) {
        if (content.isEmpty()) {
            throw new IllegalStateException("empty apply reply");
        }
        byte tag = content.byteAt(0);
        try {
            if (tag == OK) {
                return MetaCommandResponse.parseFrom(content.substring(1).toByteArray());
            }
            if (tag == REJECTED) {
                DataInputStream in = new DataInputStream(content.substring(1).newInput());
                MetaException.Kind kind = MetaException.Kind.valueOf(in.readUTF());
                throw new MetaException(kind, in.readUTF());
            }
        } catch (IOException e) {
            throw new IllegalStateException("unreadable apply reply", e);
        }
        throw new IllegalStateException("unknown apply reply tag " + tag);
    }
}
