package dev.quarry.cli.cluster;

/**
 * The kinds of process a Quarry cluster is made of, with the {@code quarry} subcommand that runs
 * each. {@link #stopRank} orders a whole-cluster stop: the roles that take client work first
 * (coordinator, suggest), then the shard servers (which commit and deregister), then raft-meta, and
 * Kafka last, since every other role flushes to it on the way down. Starting goes the other way.
 */
public enum RoleKind {
    COORDINATOR("coordinator", 0),
    SUGGEST("suggest", 0),
    SHARD("shard", 1),
    META("meta", 2),
    KAFKA("kafka", 3);

    private final String command;
    private final int stopRank;

    RoleKind(String command, int stopRank) {
        this.command = command;
        this.stopRank = stopRank;
    }

    /** The {@code quarry} subcommand that runs one process of this kind. */
    public String command() {
        return command;
    }

    /** Lower stops earlier; equal ranks stop together. */
    public int stopRank() {
        return stopRank;
    }
}
