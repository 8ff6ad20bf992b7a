package dev.quarry.meta.error;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.meta.error.MetaException.Kind;
import io.grpc.Status;
import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.junit.jupiter.api.Test;

class MetaStatusMapperTest {
    private static final RaftGroupMemberId MEMBER = RaftGroupMemberId.valueOf(RaftPeerId.valueOf("n1"), RaftGroupId.randomId());

    @Test
    void domainKindsMapToTheirCodes() {
        assertThat(MetaStatusMapper.toStatus(MetaException.invalidArgument("x")).getCode())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(MetaStatusMapper.toStatus(MetaException.alreadyExists("x")).getCode())
                .isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(MetaStatusMapper.toStatus(MetaException.notFound("x")).getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(MetaStatusMapper.toStatus(MetaException.failedPrecondition("x")).getCode())
                .isEqualTo(Status.Code.FAILED_PRECONDITION);
    }

    @Test
    void aRejectionWrappedByRatisKeepsItsKindAndMessage() {
        MetaException refused = MetaException.notFound("index 'docs' does not exist");
        Throwable wrapped = new CompletionException(new StateMachineException(MEMBER, refused));
        Status status = MetaStatusMapper.toStatus(wrapped);
        assertThat(status.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(status.getDescription()).isEqualTo("index 'docs' does not exist");
    }

    @Test
    void infrastructureFailuresAreClassifiedWithoutLeakingDetails() {
        Status unavailable = MetaStatusMapper.toStatus(new CompletionException(new NotLeaderException(MEMBER, null, java.util.List.of())));
        assertThat(unavailable.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(MetaStatusMapper.toStatus(new IOException("disk /secret/path")).getDescription())
                .doesNotContain("/secret/path");

        assertThat(MetaStatusMapper.toStatus(new CompletionException(new TimeoutException())).getCode())
                .isEqualTo(Status.Code.DEADLINE_EXCEEDED);

        Status bug = MetaStatusMapper.toStatus(new IllegalStateException("java.lang.NullPointerException at Foo.java:12"));
        assertThat(bug.getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(bug.getDescription()).doesNotContain("Exception").doesNotContain("Foo.java");

        Status smBug = MetaStatusMapper.toStatus(new StateMachineException(MEMBER, new NullPointerException("npe")));
        assertThat(smBug.getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(smBug.getDescription()).doesNotContain("NullPointerException");
    }

    @Test
    void clientSideRoundTrip() {
        MetaException back = MetaStatusMapper.fromStatus(
                Status.FAILED_PRECONDITION.withDescription("stale incarnation 1").asRuntimeException());
        assertThat(back.kind()).isEqualTo(Kind.FAILED_PRECONDITION);
        assertThat(back.getMessage()).isEqualTo("stale incarnation 1");
        assertThat(MetaStatusMapper.fromStatus(Status.UNAVAILABLE.asRuntimeException()).kind()).isEqualTo(Kind.UNAVAILABLE);
    }
}
