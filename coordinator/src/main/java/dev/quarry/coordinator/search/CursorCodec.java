package dev.quarry.coordinator.search;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.quarry.coordinator.error.CoordinatorException;
import dev.quarry.proto.v1.CursorState;
import dev.quarry.proto.v1.SearchRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Cursors as opaque strings: {@code base64url(CursorState) "." base64url(HMAC-SHA256)}. Decoding
 * checks the signature (constant time), the format, the index and the request it continues; any
 * failure is INVALID_ARGUMENT without saying more than which check failed. Coordinators that
 * serve one cluster must share the secret (see {@code CoordinatorConfig}).
 * Thread-safety: immutable; each call works on its own clone of a keyed {@link Mac} (and SHA-256
 * digest) made once, which spares the provider look-up and key set-up per cursor.
 */
public final class CursorCodec {
    static final int FORMAT = 1;
    private static final Base64.Encoder ENC = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DEC = Base64.getUrlDecoder();
    /** Cursors longer than this are refused before any decoding (a shard pin is ~40 bytes). */
    static final int MAX_CHARS = 16_384;

    /** SHA-256, never used itself: only cloned. */
    private static final MessageDigest SHA256 = sha256();

    private final SecretKeySpec key;
    /** HmacSHA256 keyed with the secret, never used itself: only cloned. */
    private final Mac keyedMac;

    public CursorCodec(byte[] secret) {
        if (secret.length < 16) {
            throw new IllegalArgumentException("cursor secret must be at least 16 bytes");
        }
        this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
        this.keyedMac = newMac(key);
    }

    public String encode(CursorState state) {
        byte[] body = state.toByteArray();
        return ENC.encodeToString(body) + "." + ENC.encodeToString(mac(body));
    }

    /** The state of a cursor issued by a coordinator with this secret for {@code req}. */
    public CursorState decode(String cursor, SearchRequest req) {
        if (cursor.length() > MAX_CHARS) {
            throw invalid("cursor is too long");
        }
        int dot = cursor.indexOf('.');
        if (dot <= 0 || dot != cursor.lastIndexOf('.')) {
            throw invalid("malformed cursor");
        }
        byte[] body;
        byte[] sig;
        try {
            body = DEC.decode(cursor.substring(0, dot));
            sig = DEC.decode(cursor.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            throw invalid("malformed cursor");
        }
        if (!MessageDigest.isEqual(mac(body), sig)) {
            throw invalid("cursor signature does not match (tampered, or issued by another cluster)");
        }
        CursorState state;
        try {
            state = CursorState.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw invalid("malformed cursor");
        }
        if (state.getFormat() != FORMAT) {
            throw invalid("cursor format " + state.getFormat() + " is not supported");
        }
        if (!state.getIndex().equals(req.getIndex())) {
            throw invalid("cursor belongs to index '" + state.getIndex() + "', not '" + req.getIndex() + "'");
        }
        if (!state.getRequestHash().equals(requestHash(req))) {
            throw invalid("cursor belongs to a different search (query, filters, sort, fields or scoring changed)");
        }
        return state;
    }

    /** What a cursor is bound to: everything that defines the ranked result list (not k, not the cursor). */
    public static ByteString requestHash(SearchRequest req) {
        SearchRequest normalized = SearchRequest.newBuilder()
                .setIndex(req.getIndex())
                .setQuery(req.getQuery().strip())
                .addAllFilters(req.getFiltersList())
                .addAllSort(req.getSortList())
                .addAllFields(List.copyOf(new java.util.TreeSet<>(req.getFieldsList())))
                .setScoring(req.getScoring())
                .build();
        MessageDigest digest;
        try {
            digest = (MessageDigest) SHA256.clone();
        } catch (CloneNotSupportedException e) {
            digest = sha256();
        }
        return ByteString.copyFrom(digest.digest(normalized.toByteArray()));
    }

    private byte[] mac(byte[] body) {
        Mac m;
        try {
            m = (Mac) keyedMac.clone();
        } catch (CloneNotSupportedException e) {
            m = newMac(key);
        }
        return m.doFinal(body);
    }

    private static Mac newMac(SecretKeySpec key) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** A secret from a passphrase (e.g. {@code --cursor-secret}); at least 16 characters. */
    public static byte[] secretOf(String passphrase) {
        return passphrase.getBytes(StandardCharsets.UTF_8);
    }

    private static CoordinatorException invalid(String message) {
        return CoordinatorException.invalid(message);
    }
}
