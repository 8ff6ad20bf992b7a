package dev.quarry.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.quarry.cli.Quarry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * docker-compose.yml and {@code quarry cluster up} run the same configuration: the committed compose
 * and Prometheus files are exactly what the shared layout renders; both layouts have the same roles
 * and set the same {@code QUARRY_*} variables per role, every one of which the role's command reads;
 * and Debian's {@code docker-compose config} accepts the file and lists the expected services.
 */
class ComposeFileTest {
    private static final Pattern ENV = Pattern.compile("\\$\\{env:([A-Z0-9_]+)");
    /** Set only by `quarry cluster up`: it shares one cursor key file between restarts; compose documents how to mount one. */
    private static final Set<String> LOCAL_ONLY = Set.of("QUARRY_CURSOR_SECRET_FILE");

    @Test
    void committedFilesAreTheRenderedLayout() throws IOException {
        Path root = repoRoot();
        assertThat(Files.readString(root.resolve("docker-compose.yml")))
                .as("docker-compose.yml is stale: run ./quarry cluster compose --write .").isEqualTo(ComposeFile.compose());
        assertThat(Files.readString(root.resolve("deploy/prometheus.yml")))
                .as("deploy/prometheus.yml is stale: run ./quarry cluster compose --write .").isEqualTo(ComposeFile.prometheus());
    }

    @Test
    void composeAndClusterUpHaveTheSameRolesAndSettings() {
        ClusterLayout compose = ComposeFile.layout();
        ClusterLayout local = ClusterLayout.local(ComposeFile.SHARD_SERVERS, ClusterLayout.Ports.defaults(), Path.of("/tmp/q"), Path.of("/tmp/q/key"));
        List<String> localQuarryRoles = local.roles().stream().filter(r -> r.kind() != RoleKind.KAFKA).map(RoleSpec::name).toList();
        assertThat(compose.roles().stream().map(RoleSpec::name).toList()).isEqualTo(localQuarryRoles)
                .contains("meta-1", "meta-2", "meta-3", "shard-1", "shard-2", "shard-3", "shard-4", "coordinator", "suggest");
        for (RoleSpec c : compose.roles()) {
            RoleSpec l = local.role(c.name());
            Set<String> localNames = new TreeSet<>(l.env().keySet());
            localNames.removeAll(LOCAL_ONLY);
            assertThat(c.env().keySet()).as(c.name()).isEqualTo(localNames);
            assertThat(c.heap()).isEqualTo(l.heap());
            for (String k : c.env().keySet()) { // same values but for hosts, ports and paths
                if (!k.endsWith("_HOST") && !k.endsWith("_PORT") && !k.endsWith("_DIR") && !k.equals("QUARRY_META_PEERS")
                        && !k.equals("QUARRY_KAFKA") && !k.equals("QUARRY_META") && !k.equals("QUARRY_COORDINATOR")
                        && !k.equals("QUARRY_TOPIC_REPLICATION")) {
                    assertThat(c.env(k)).as("%s %s", c.name(), k).isEqualTo(l.env(k));
                }
            }
        }
        assertThat(compose.roles().get(0).env("QUARRY_META_PEERS")).isEqualTo("n1=meta-1:7101,n2=meta-2:7101,n3=meta-3:7101");
        assertThat(local.role("meta-2").env("QUARRY_META_PEERS")).isEqualTo("n1=127.0.0.1:7101,n2=127.0.0.1:7111,n3=127.0.0.1:7121");
        assertThat(compose.role("coordinator").env("QUARRY_TOPIC_REPLICATION")).isEqualTo("3");
        assertThat(local.role("coordinator").env("QUARRY_TOPIC_REPLICATION")).isEqualTo("1");
    }

    @Test
    void everySettingIsReadByTheRolesCommand() {
        CommandLine quarry = Quarry.commandLine();
        ClusterLayout local = ClusterLayout.local(2, ClusterLayout.Ports.defaults(), Path.of("/tmp/q"), Path.of("/tmp/q/key"));
        for (RoleSpec r : local.roles()) {
            CommandLine cmd = quarry.getSubcommands().get(r.kind().command());
            assertThat(cmd).as("quarry %s", r.kind().command()).isNotNull();
            cmd.getCommandSpec().interpolateVariables(false); // the declared ${env:NAME:-default}, not its value here
            Set<String> read = new HashSet<>();
            for (CommandLine.Model.OptionSpec o : cmd.getCommandSpec().options()) {
                if (o.defaultValue() != null) {
                    Matcher m = ENV.matcher(o.defaultValue());
                    while (m.find()) {
                        read.add(m.group(1));
                    }
                }
            }
            assertThat(read).as("variables `quarry %s` reads", r.kind().command()).containsAll(r.env().keySet());
        }
    }

    @Test
    void dockerComposeAcceptsTheFile() throws Exception {
        List<String> tool = composeTool();
        assumeTrue(tool != null, "neither docker-compose nor `docker compose` is installed (Debian: apt-get install docker-compose;"
                + " .ci/run installs it): compose file not validated");
        Path file = repoRoot().resolve("docker-compose.yml");
        Result quiet = run(tool, "-f", file.toString(), "config", "-q");
        assertThat(quiet.exit()).as("docker-compose config -q: %s", quiet.output()).isZero();
        Result services = run(tool, "-f", file.toString(), "config", "--services");
        assertThat(services.exit()).as(services.output()).isZero();
        Set<String> expected = new TreeSet<>(List.of("kafka-1", "kafka-2", "kafka-3", "prometheus"));
        ComposeFile.layout().roles().forEach(r -> expected.add(r.name()));
        assertThat(new TreeSet<>(Arrays.stream(services.output().split("\n")).map(String::strip).filter(s -> !s.isEmpty()).toList()))
                .isEqualTo(expected);
        Result full = run(tool, "-f", file.toString(), "config");
        assertThat(full.exit()).isZero();
        assertThat(full.output()).contains("apache/kafka:", "KAFKA_PROCESS_ROLES: broker,controller", "prom/prometheus",
                "QUARRY_META: meta-1:7100,meta-2:7100,meta-3:7100", "deploy/prometheus.yml");
    }

    @Test
    void prometheusScrapesEveryQuarryProcess() {
        String prom = ComposeFile.prometheus();
        for (RoleSpec r : ComposeFile.layout().roles()) {
            assertThat(prom).contains("\"" + r.name() + ":" + r.readyPort() + "\"");
        }
        Map<RoleKind, Integer> metricsPorts = new TreeMap<>();
        ComposeFile.layout().roles().forEach(r -> metricsPorts.put(r.kind(), r.readyPort()));
        assertThat(metricsPorts).containsEntry(RoleKind.COORDINATOR, 7401).containsEntry(RoleKind.SUGGEST, 7600)
                .containsEntry(RoleKind.SHARD, 7201).containsEntry(RoleKind.META, 7102);
    }

    private record Result(int exit, String output) {}

    private static Result run(List<String> tool, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(tool);
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    /** {@code docker-compose} (Debian's), else the {@code docker compose} plugin; null when neither works. */
    private static List<String> composeTool() {
        for (List<String> candidate : List.of(List.of("docker-compose"), List.of("docker", "compose"))) {
            try {
                List<String> cmd = new ArrayList<>(candidate);
                cmd.add("version");
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return candidate;
                }
            } catch (IOException | InterruptedException e) {
                // not this one
            }
        }
        return null;
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !(Files.exists(p.resolve("mvnw")) && Files.exists(p.resolve("docker-compose.yml")))) {
            p = p.getParent();
        }
        assertThat(p).as("repository root (with mvnw and docker-compose.yml) above " + Path.of("").toAbsolutePath()).isNotNull();
        return p;
    }

}
