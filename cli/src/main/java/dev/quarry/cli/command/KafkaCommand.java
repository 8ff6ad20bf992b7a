package dev.quarry.cli.command;

import dev.quarry.cli.kafka.EmbeddedKafka;
import dev.quarry.cli.role.RoleRunner;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "kafka", mixinStandardHelpOptions = true,
        description = "Run a single-node Kafka broker (KRaft, broker + controller) as its own process, until SIGTERM / Ctrl-C.")
public final class KafkaCommand implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "${env:QUARRY_KAFKA_HOST:-127.0.0.1}", description = "listen address (default ${DEFAULT-VALUE})")
    String host;
    @Option(names = "--port", defaultValue = "${env:QUARRY_KAFKA_PORT:-9092}", description = "client port (default ${DEFAULT-VALUE})")
    int port;
    @Option(names = "--controller-port", defaultValue = "${env:QUARRY_KAFKA_CONTROLLER_PORT:-9093}", description = "KRaft controller port (default ${DEFAULT-VALUE})")
    int controllerPort;
    @Option(names = "--dir", defaultValue = "${env:QUARRY_KAFKA_DIR:-.quarry/kafka}", description = "log directory (default ${DEFAULT-VALUE})")
    Path dir;

    @Override
    public Integer call() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(dir, host, port, controllerPort);
        RoleRunner runner = RoleRunner.onShutdown("kafka", kafka::close);
        System.out.println("Kafka ready at " + kafka.bootstrap() + " (log dir " + dir.toAbsolutePath() + ")");
        runner.awaitStopped();
        return 0;
    }
}
