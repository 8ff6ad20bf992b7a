package dev.quarry.meta.server;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A pre-started JVM for a raft-meta peer that a test will kill: it warms up (runs and closes a
 * throw-away one-peer MetaServer in a temp dir, so classes are loaded and JIT-ed), prints
 * {@code STANDBY}, then waits for a line on standard input and runs {@link MetaServerMain} with
 * its arguments. Restarting a killed peer then costs the peer's start, not a cold JVM's.
 */
public final class StandbyMetaMain {
    private StandbyMetaMain() {}

    public static void main(String[] args) throws Exception {
        Path warm = Files.createTempDirectory("meta-warmup");
        int raft = MetaTestCluster.freePort();
        try (MetaServer s = MetaServer.start(MetaServerConfig.builder().nodeId("w1").clientPort(0)
                .peers(List.of(new dev.quarry.meta.ratis.PeerAddress("w1", "127.0.0.1", raft)))
                .storageDir(warm).electionTimeout(Duration.ofMillis(100)).snapshotOnStop(false).build())) {
            s.leaderId();
        }
        System.out.println("STANDBY");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (in.readLine() == null) {
            return;
        }
        MetaServerMain.main(args);
    }
}
