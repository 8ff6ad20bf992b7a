package dev.quarry.meta.ratis;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * What one Ratis peer needs: its id, the whole group (every peer must be given the same list),
 * its storage directory, and tuning. Validated on construction.
 *
 * @param nodeId this peer's id; must appear in {@code peers}
 * @param peers the group (1 for dev, 3 in production), each {@code id=host:raftPort}
 * @param storageDir where the Raft log and snapshots live; must be distinct per peer
 * @param groupId the Raft group id; every peer of a group must agree
 * @param snapshotThreshold take a snapshot after this many log entries since the last one
 * @param requestTimeout upper bound for one write or linearizable read through Ratis
 * @param electionTimeout the minimum election timeout (the maximum is twice this)
 * @param snapshotOnStop take a snapshot when the peer stops cleanly (faster restart); tests turn
 *     it off to exercise log replay, as after a crash
 */
public record PeerConfig(
        String nodeId,
        List<PeerAddress> peers,
        Path storageDir,
        UUID groupId,
        long snapshotThreshold,
        Duration requestTimeout,
        Duration electionTimeout,
        boolean snapshotOnStop) {

    /** Fixed, so that peers started independently form one group without configuring it. */
    public static final UUID DEFAULT_GROUP_ID = UUID.fromString("51a77e4a-0000-4000-8000-000000007100");

    public PeerConfig {
        Objects.requireNonNull(nodeId, "nodeId");
        peers = List.copyOf(peers);
        Objects.requireNonNull(storageDir, "storageDir");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(electionTimeout, "electionTimeout");
        if (peers.stream().noneMatch(p -> p.id().equals(nodeId))) {
            throw new IllegalArgumentException("node id " + nodeId + " is not among the peers " + peers);
        }
        if (new HashSet<>(peers.stream().map(PeerAddress::id).toList()).size() != peers.size()) {
            throw new IllegalArgumentException("peer ids must be distinct: " + peers);
        }
        if (snapshotThreshold < 1) {
            throw new IllegalArgumentException("snapshotThreshold must be >= 1, got " + snapshotThreshold);
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive");
        }
        if (electionTimeout.toMillis() < 50) {
            throw new IllegalArgumentException("electionTimeout must be at least 50 ms");
        }
    }

    /** This peer's own entry in {@link #peers}. */
    public PeerAddress self() {
        return peers.stream().filter(p -> p.id().equals(nodeId)).findFirst().orElseThrow();
    }
}
