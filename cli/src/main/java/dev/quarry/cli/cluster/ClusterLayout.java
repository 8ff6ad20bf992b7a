package dev.quarry.cli.cluster;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * What a multi-process cluster is made of — one place for {@code quarry cluster up} (processes on
 * this machine) and {@code docker-compose.yml} (containers on several): three raft-meta peers,
 * N shard servers, a coordinator and a suggest server, each configured through the same
 * {@code QUARRY_*} environment variables with the same values but for hosts, ports and paths.
 * Kafka differs by design: {@code cluster up} runs one {@code quarry kafka} broker (a role here),
 * the compose file three brokers of the official image ({@link ComposeFile}).
 *
 * <p>Ports: locally, every process needs its own, so peers and shard servers step by 10 from the
 * documented defaults (meta 7100/7110/7120 with Raft on +1 and metrics on +2, shard servers
 * 7200/7210/… with metrics on +1, coordinator 7400 and 7401, suggest 7600, Kafka 9092/9093), or
 * are all picked free ({@link Ports#free()}). In compose every container has its own address, so
 * each role keeps its default port.
 */
public record ClusterLayout(List<RoleSpec> roles, String kafkaBootstrap, String metaAddresses, String coordinator, String suggestUrl) {
    public static final int META_PEERS = 3;
    public static final int MIN_SHARD_SERVERS = 1;

    public ClusterLayout {
        roles = List.copyOf(roles);
    }

    /** Where the processes live: local (one host, distinct ports) or compose (a host per service, default ports). */
    private interface Placement {
        String host(String role);

        int port(String role, String purpose, int localDefault, int composeDefault);

        String dataDir(String role);
    }

    /** How local ports are chosen. */
    public interface Ports {
        /** Lowest port {@link #free()} picks (above the documented defaults' neighbourhood). */
        int FREE_PORT_MIN = 20_000;

        int port(int documentedDefault);

        /** The documented defaults, stepped per instance. */
        static Ports defaults() {
            return p -> p;
        }

        /**
         * A free port for every role, picked now below the kernel's ephemeral range: roles bind their ports up to a
         * minute after the pick (they start in stages), and a port from the ephemeral range may meanwhile be taken by
         * any outgoing connection on the machine (which made {@code up --free-ports} fail now and then). Below the
         * range only another server can take it.
         */
        static Ports free() {
            java.util.Set<Integer> picked = java.util.concurrent.ConcurrentHashMap.newKeySet();
            int below = ephemeralLow();
            return p -> {
                java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
                for (int attempt = 0; attempt < 1_000; attempt++) {
                    int candidate = r.nextInt(FREE_PORT_MIN, below);
                    if (!picked.contains(candidate) && bindable(candidate) && picked.add(candidate)) {
                        return candidate;
                    }
                }
                throw new IllegalStateException("no free port between " + FREE_PORT_MIN + " and " + below);
            };
        }

        private static boolean bindable(int port) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        /** The first port of the kernel's ephemeral range (Linux; 32768 elsewhere or when unreadable). */
        private static int ephemeralLow() {
            try {
                String range = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range")).strip();
                int low = Integer.parseInt(range.split("\\s+")[0]);
                return low > FREE_PORT_MIN + 1_000 ? low : 32_768;
            } catch (IOException | RuntimeException e) {
                return 32_768;
            }
        }
    }

    /** A cluster of processes on this machine (loopback); data of role R in {@code dataRoot/R}. */
    public static ClusterLayout local(int shardServers, Ports ports, java.nio.file.Path dataRoot, java.nio.file.Path cursorSecret) {
        Placement local = new Placement() {
            @Override
            public String host(String role) {
                return "127.0.0.1";
            }

            @Override
            public int port(String role, String purpose, int localDefault, int composeDefault) {
                return ports.port(localDefault);
            }

            @Override
            public String dataDir(String role) {
                return dataRoot.resolve(role).toAbsolutePath().toString();
            }
        };
        List<RoleSpec> roles = new ArrayList<>();
        int kafkaPort = ports.port(9092);
        roles.add(new RoleSpec("kafka", RoleKind.KAFKA, Map.of(
                "QUARRY_KAFKA_HOST", "127.0.0.1",
                "QUARRY_KAFKA_PORT", Integer.toString(kafkaPort),
                "QUARRY_KAFKA_CONTROLLER_PORT", Integer.toString(ports.port(9093)),
                "QUARRY_KAFKA_DIR", local.dataDir("kafka")), kafkaPort, false, "768m"));
        return build(local, roles, "127.0.0.1:" + kafkaPort, shardServers, (short) 1,
                cursorSecret == null ? null : cursorSecret.toAbsolutePath().toString());
    }

    /** The services of {@code docker-compose.yml}: one host per service, named after the role, data in {@code /data}. */
    public static ClusterLayout compose(int shardServers, List<String> kafkaBrokers) {
        Placement compose = new Placement() {
            @Override
            public String host(String role) {
                return role;
            }

            @Override
            public int port(String role, String purpose, int localDefault, int composeDefault) {
                return composeDefault;
            }

            @Override
            public String dataDir(String role) {
                return "/data";
            }
        };
        return build(compose, new ArrayList<>(), String.join(",", kafkaBrokers), shardServers, (short) Math.min(3, kafkaBrokers.size()), null);
    }

    private static ClusterLayout build(Placement at, List<RoleSpec> roles, String kafka, int shardServers, short topicReplication,
                                       String cursorSecretFile) {
        if (shardServers < MIN_SHARD_SERVERS) {
            throw new IllegalArgumentException("a cluster needs at least " + MIN_SHARD_SERVERS + " shard server, got " + shardServers);
        }
        record Peer(String role, String id, String host, int client, int raft, int metrics) {}
        List<Peer> peers = new ArrayList<>();
        for (int i = 0; i < META_PEERS; i++) {
            String role = "meta-" + (i + 1);
            peers.add(new Peer(role, "n" + (i + 1), at.host(role), at.port(role, "client", 7100 + 10 * i, 7100),
                    at.port(role, "raft", 7101 + 10 * i, 7101), at.port(role, "metrics", 7102 + 10 * i, 7102)));
        }
        String peerList = peers.stream().map(p -> p.id() + "=" + p.host() + ":" + p.raft()).collect(Collectors.joining(","));
        String meta = peers.stream().map(p -> p.host() + ":" + p.client()).collect(Collectors.joining(","));
        for (Peer p : peers) {
            roles.add(new RoleSpec(p.role(), RoleKind.META, Map.of(
                    "QUARRY_META_ID", p.id(),
                    "QUARRY_META_PEERS", peerList,
                    "QUARRY_META_HOST", p.host(),
                    "QUARRY_META_PORT", Integer.toString(p.client()),
                    "QUARRY_META_METRICS_PORT", Integer.toString(p.metrics()),
                    "QUARRY_META_DIR", at.dataDir(p.role())), p.metrics(), true, "256m"));
        }
        IntStream.range(0, shardServers).forEach(i -> {
            String role = "shard-" + (i + 1);
            int metrics = at.port(role, "metrics", 7201 + 10 * i, 7201);
            roles.add(new RoleSpec(role, RoleKind.SHARD, Map.of(
                    "QUARRY_SHARD_ID", role,
                    "QUARRY_SHARD_HOST", at.host(role),
                    "QUARRY_SHARD_PORT", Integer.toString(at.port(role, "grpc", 7200 + 10 * i, 7200)),
                    "QUARRY_SHARD_METRICS_PORT", Integer.toString(metrics),
                    "QUARRY_SHARD_DIR", at.dataDir(role),
                    "QUARRY_KAFKA", kafka,
                    "QUARRY_META", meta), metrics, true, "512m"));
        });
        String coordHost = at.host("coordinator");
        int coordPort = at.port("coordinator", "grpc", 7400, 7400);
        int coordMetrics = at.port("coordinator", "metrics", 7401, 7401);
        Map<String, String> coordEnv = new LinkedHashMap<>(Map.of(
                "QUARRY_COORDINATOR_HOST", coordHost,
                "QUARRY_COORDINATOR_PORT", Integer.toString(coordPort),
                "QUARRY_COORDINATOR_METRICS_PORT", Integer.toString(coordMetrics),
                "QUARRY_KAFKA", kafka,
                "QUARRY_META", meta,
                "QUARRY_TOPIC_REPLICATION", Short.toString(topicReplication)));
        if (cursorSecretFile != null) {
            coordEnv.put("QUARRY_CURSOR_SECRET_FILE", cursorSecretFile);
        }
        roles.add(new RoleSpec("coordinator", RoleKind.COORDINATOR, coordEnv, coordMetrics, true, "512m"));
        String coordinator = coordHost + ":" + coordPort;
        String suggestHost = at.host("suggest");
        int suggestPort = at.port("suggest", "http", 7600, 7600);
        roles.add(new RoleSpec("suggest", RoleKind.SUGGEST, Map.of(
                "QUARRY_SUGGEST_ID", "suggest-1",
                "QUARRY_SUGGEST_HOST", suggestHost,
                "QUARRY_SUGGEST_PORT", Integer.toString(suggestPort),
                "QUARRY_SUGGEST_DIR", at.dataDir("suggest"),
                "QUARRY_KAFKA", kafka,
                "QUARRY_META", meta,
                "QUARRY_COORDINATOR", coordinator), suggestPort, true, "512m"));
        return new ClusterLayout(roles, kafka, meta, coordinator, "http://" + suggestHost + ":" + suggestPort);
    }

    /** This layout with {@code extra} added to the environment of every role of {@code kind} (tuning, not addresses). */
    public ClusterLayout withEnv(RoleKind kind, Map<String, String> extra) {
        return new ClusterLayout(roles.stream().map(r -> r.kind() == kind ? r.withEnv(extra) : r).toList(),
                kafkaBootstrap, metaAddresses, coordinator, suggestUrl);
    }

    public RoleSpec role(String name) {
        return roles.stream().filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no role named '" + name + "' in this cluster; roles: "
                        + roles.stream().map(RoleSpec::name).collect(Collectors.joining(", "))));
    }

    public List<RoleSpec> ofKind(RoleKind kind) {
        return roles.stream().filter(r -> r.kind() == kind).toList();
    }
}
