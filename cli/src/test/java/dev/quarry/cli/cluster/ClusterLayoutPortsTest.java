package dev.quarry.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterLayoutPortsTest {
    @Test
    void freePortsAreDistinctAndBelowTheEphemeralRange() throws Exception {
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        int ephemeralLow = java.nio.file.Files.isReadable(range)
                ? Integer.parseInt(java.nio.file.Files.readString(range).strip().split("\\s+")[0]) : 32_768;
        ClusterLayout layout = ClusterLayout.local(4, ClusterLayout.Ports.free(), Path.of("/tmp/q"), null);
        Set<Integer> seen = new HashSet<>();
        for (RoleSpec r : layout.roles()) {
            List<Integer> ports = LocalCluster.ports(r);
            assertThat(ports).as(r.name()).isNotEmpty();
            for (int p : ports) {
                assertThat(p).as(r.name()).isGreaterThanOrEqualTo(ClusterLayout.Ports.FREE_PORT_MIN).isLessThan(Math.max(ephemeralLow, 32_768));
                assertThat(seen.add(p)).as("port %d of %s picked twice", p, r.name()).isTrue();
            }
        }
        assertThat(seen).hasSizeGreaterThanOrEqualTo(20);
    }
}
