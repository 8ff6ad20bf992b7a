package dev.quarry.meta.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClientRpcTimeoutTest {
    @Test
    void isTheMaximumElectionTimeoutButAtLeastOneSecond() {
        assertThat(MetaPeer.clientRpcTimeout(Duration.ofMillis(300))).isEqualTo(Duration.ofSeconds(1));
        assertThat(MetaPeer.clientRpcTimeout(Duration.ofMillis(500))).isEqualTo(Duration.ofSeconds(1));
        assertThat(MetaPeer.clientRpcTimeout(Duration.ofMillis(800))).isEqualTo(Duration.ofMillis(1600));
    }

    @Test
    void staysBelowTheMetaClientsAttemptTimeoutWithTheDefaultElectionTimeout() {
        assertThat(MetaPeer.clientRpcTimeout(dev.quarry.meta.server.MetaServerConfig.DEFAULT_ELECTION_TIMEOUT))
                .isLessThan(dev.quarry.common.meta.MetaClientOptions.DEFAULTS.attemptTimeout());
    }
}
