package dev.quarry.meta.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.meta.error.MetaException;
import dev.quarry.proto.v1.MetaCommandResponse;
import org.junit.jupiter.api.Test;

class ApplyReplyTest {
    @Test
    void okCarriesTheResponse() {
        MetaCommandResponse response = MetaCommandResponse.newBuilder().setVersion(17).setIncarnation(3).build();
        assertThat(ApplyReply.decode(ApplyReply.ok(response).getContent())).isEqualTo(response);
    }

    @Test
    void emptyResponseStillDecodes() {
        MetaCommandResponse response = MetaCommandResponse.getDefaultInstance();
        assertThat(ApplyReply.decode(ApplyReply.ok(response).getContent())).isEqualTo(response);
    }

    @Test
    void rejectionCarriesKindAndMessage() {
        MetaException e = MetaException.alreadyExists("index 'docs' already exists");
        assertThatThrownBy(() -> ApplyReply.decode(ApplyReply.rejected(e).getContent()))
                .isInstanceOfSatisfying(MetaException.class, got -> {
                    assertThat(got.kind()).isEqualTo(MetaException.Kind.ALREADY_EXISTS);
                    assertThat(got.getMessage()).isEqualTo("index 'docs' already exists");
                });
    }
}
