package dev.quarry.meta.state;

import dev.quarry.proto.v1.CreateIndexCommand;
import dev.quarry.proto.v1.DeleteIndexCommand;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.NodeRole;
import dev.quarry.proto.v1.RegisterNodeCommand;
import dev.quarry.proto.v1.ReplicaState;
import dev.quarry.proto.v1.SetReplicaStateCommand;

/** Short builders for commands in tests. */
public final class Commands {
    private Commands() {}

    public static MetaCommand createIndex(String name, int partitions, int shards, int replicas) {
        return MetaCommand.newBuilder().setCreateIndex(CreateIndexCommand.newBuilder()
                .setName(name).setSchemaJson("{\"fields\":{}}")
                .setPartitions(partitions).setShards(shards).setReplicas(replicas)).build();
    }

    public static MetaCommand deleteIndex(String name) {
        return MetaCommand.newBuilder().setDeleteIndex(DeleteIndexCommand.newBuilder().setName(name)).build();
    }

    public static MetaCommand registerShard(String id, int port) {
        return register(id, "127.0.0.1:" + port, NodeRole.SHARD);
    }

    public static MetaCommand register(String id, String address, NodeRole role) {
        return MetaCommand.newBuilder().setRegisterNode(RegisterNodeCommand.newBuilder()
                .setId(id).setAddress(address).setRole(role)).build();
    }

    public static MetaCommand setReplicaState(String index, int shard, String node, ReplicaState state,
            long incarnation) {
        return MetaCommand.newBuilder().setSetReplicaState(SetReplicaStateCommand.newBuilder()
                .setIndex(index).setShard(shard).setNodeId(node).setState(state).setIncarnation(incarnation))
                .build();
    }
}
