package dev.quarry.meta.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.meta.ratis.PeerAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MetaServerConfigTest {
    @Test
    void defaultsDeriveTheRaftPortFromTheClientPort() {
        MetaServerConfig c = MetaServerConfig.builder().build();
        assertThat(c.nodeId()).isEqualTo("n1");
        assertThat(c.clientPort()).isEqualTo(7100);
        assertThat(c.peers()).containsExactly(new PeerAddress("n1", "127.0.0.1", 7101));
        assertThat(c.storageDir()).isEqualTo(Path.of("data", "meta", "n1"));

        MetaServerConfig second = MetaServerConfig.builder().nodeId("n2").clientPort(7110).build();
        assertThat(second.self().port()).isEqualTo(7111);
    }

    @Test
    void threePeerGroupParses() {
        MetaServerConfig c = MetaServerConfig.builder().nodeId("n2").clientPort(7110)
                .peers("n1=127.0.0.1:7101, n2=127.0.0.1:7111,n3=127.0.0.1:7121").build();
        assertThat(c.peers()).hasSize(3);
        assertThat(c.self()).isEqualTo(new PeerAddress("n2", "127.0.0.1", 7111));
    }

    @Test
    void badConfigurationsAreRefusedAtStartUp() {
        assertThatThrownBy(() -> MetaServerConfig.builder().clientPort(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("peers");
        assertThatThrownBy(() -> MetaServerConfig.builder().nodeId("n4").peers("n1=h:7101,n2=h:7111").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n4");
        assertThatThrownBy(() -> MetaServerConfig.builder().peers("n1=h:7101,n1=h:7111").build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MetaServerConfig.builder().peers("n1=h").build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MetaServerConfig.builder().clientPort(70000).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MetaServerConfig.builder().snapshotThreshold(0).build())
                .isInstanceOf(IllegalArgumentException.class);
    }
}
