package dev.quarry.coordinator.routing;

/** A routable (STARTED) replica: the node and its gRPC address. */
public record ReplicaRoute(String nodeId, String address) {}
