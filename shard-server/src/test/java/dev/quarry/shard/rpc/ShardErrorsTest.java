package dev.quarry.shard.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.shard.error.ShardException;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

class ShardErrorsTest {
    @Test
    void anInterruptedRequestIsUnavailableSoTheCallerTriesAnotherReplica() {
        Status s = ShardErrors.toStatus(new InterruptedException()).getStatus();

        assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(s.getDescription()).contains("shutting down");
        assertThat(Thread.interrupted()).as("the interrupt is kept for the thread's owner").isTrue();
    }

    @Test
    void aDomainErrorKeepsItsMessageAndAnythingElseLeavesWithoutDetails() {
        assertThat(ShardErrors.toStatus(new ShardException(ShardException.Kind.NOT_FOUND, "no replica of shard 3")).getStatus())
                .satisfies(s -> {
                    assertThat(s.getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(s.getDescription()).isEqualTo("no replica of shard 3");
                });
        assertThat(ShardErrors.toStatus(new IllegalStateException("secret internals")).getStatus())
                .satisfies(s -> {
                    assertThat(s.getCode()).isEqualTo(Status.Code.INTERNAL);
                    assertThat(s.getDescription()).doesNotContain("secret");
                });
    }
}
