package dev.quarry.coordinator.search;

import dev.quarry.coordinator.error.CoordinatorException;
import dev.quarry.coordinator.fanout.ShardChannels;
import dev.quarry.coordinator.routing.IndexRoute;
import dev.quarry.coordinator.routing.ReplicaRoute;
import dev.quarry.coordinator.routing.RoutingView;
import dev.quarry.coordinator.routing.ShardRoute;
import dev.quarry.proto.v1.GetRequest;
import dev.quarry.proto.v1.GetResponse;
import dev.quarry.proto.v1.ShardGetRequest;
import io.grpc.Deadline;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;

/** {@code SearchService/Get}: asks the shard that owns the id, trying its replicas in turn. */
public final class GetHandler {
    private final RoutingView routing;
    private final ShardChannels channels;

    public GetHandler(RoutingView routing, ShardChannels channels) {
        this.routing = routing;
        this.channels = channels;
    }

    public GetResponse get(GetRequest req, Deadline clientDeadline) {
        IndexRoute index = routing.require(req.getIndex());
        if (req.getId().isEmpty()) {
            throw CoordinatorException.invalid("id is required");
        }
        Deadline deadline = clientDeadline != null ? clientDeadline : Deadline.after(10, TimeUnit.SECONDS);
        ShardRoute shard = index.shardFor(req.getId());
        StatusRuntimeException last = null;
        for (ReplicaRoute r : shard.replicas()) {
            try {
                return channels.stub(r.address()).withDeadline(deadline)
                        .get(ShardGetRequest.newBuilder().setIndex(index.name()).setShard(shard.shard()).setId(req.getId()).build());
            } catch (StatusRuntimeException e) {
                last = e;
            }
        }
        throw CoordinatorException.unavailable("shard " + shard.shard() + " of index '" + index.name() + "' has no replica that answered"
                + (last == null ? " (none started)" : " (" + last.getStatus().getCode() + ")"));
    }
}
