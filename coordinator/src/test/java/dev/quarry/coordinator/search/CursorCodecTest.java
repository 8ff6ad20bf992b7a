package dev.quarry.coordinator.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.coordinator.error.CoordinatorException;
import dev.quarry.proto.v1.CursorState;
import dev.quarry.proto.v1.PinnedShard;
import dev.quarry.proto.v1.SearchRequest;
import dev.quarry.proto.v1.SortField;
import dev.quarry.proto.v1.SortValue;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class CursorCodecTest {
    private final CursorCodec codec = new CursorCodec("a secret of sixteen+ bytes".getBytes(StandardCharsets.UTF_8));
    private final SearchRequest req = SearchRequest.newBuilder().setIndex("npm").setQuery("react router").setK(10).build();

    private CursorState state() {
        return CursorState.newBuilder().setFormat(CursorCodec.FORMAT).setIndex("npm").setRequestHash(CursorCodec.requestHash(req))
                .addShards(PinnedShard.newBuilder().setShard(0).setNode("shard-1").setSearcherVersion(42).putNextOffsets(3, 100))
                .addAfter(SortValue.newBuilder().setScore(1.5f)).addAfter(SortValue.newBuilder().setStringValue("react"))
                .setReturned(10).build();
    }

    @Test
    void roundTripsForTheSameSearchEvenWithAnotherPageSize() {
        String c = codec.encode(state());
        assertThat(codec.decode(c, req)).isEqualTo(state());
        assertThat(codec.decode(c, req.toBuilder().setK(50).setQuery("  react router ").build())).isEqualTo(state());
    }

    @Test
    void everyFlippedBitOfTheBodyIsDetected() {
        String c = codec.encode(state());
        int dot = c.indexOf('.');
        byte[] body = Base64.getUrlDecoder().decode(c.substring(0, dot));
        for (int i = 0; i < body.length * 8; i++) {
            byte[] copy = body.clone();
            copy[i / 8] ^= (byte) (1 << (i % 8));
            String tampered = Base64.getUrlEncoder().withoutPadding().encodeToString(copy) + c.substring(dot);
            assertThatThrownBy(() -> codec.decode(tampered, req)).isInstanceOf(CoordinatorException.class).hasMessageContaining("signature");
        }
    }

    @Test
    void foreignMalformedAndMismatchedCursorsAreRefused() {
        String c = codec.encode(state());
        CursorCodec other = new CursorCodec("another cluster's secret".getBytes(StandardCharsets.UTF_8));
        assertInvalid(() -> other.decode(c, req), "signature");
        assertInvalid(() -> codec.decode("garbage", req), "malformed");
        assertInvalid(() -> codec.decode("a.b.c", req), "malformed");
        assertInvalid(() -> codec.decode("!!!." + c.substring(c.indexOf('.') + 1), req), "malformed");
        assertInvalid(() -> codec.decode("x".repeat(20_000), req), "too long");
        assertInvalid(() -> codec.decode(c, req.toBuilder().setIndex("other").build()), "index");
        assertInvalid(() -> codec.decode(c, req.toBuilder().setQuery("vue").build()), "different search");
        assertInvalid(() -> codec.decode(c, req.toBuilder().addSort(SortField.newBuilder().setField("downloads")).build()), "different search");
        String wrongFormat = codec.encode(state().toBuilder().setFormat(99).build());
        assertInvalid(() -> codec.decode(wrongFormat, req), "format");
    }

    private static void assertInvalid(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(CoordinatorException.class, e -> {
            assertThat(e.kind()).isEqualTo(CoordinatorException.Kind.INVALID_ARGUMENT);
            assertThat(e.getMessage()).contains(message);
        });
    }
}
