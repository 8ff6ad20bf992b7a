package dev.quarry.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A {@code quarry shard} server in its own JVM, for tests that kill -9 it. */
final class ShardProcess implements AutoCloseable {
    private final List<String> command;
    private final Path log;
    private Process process;

    ShardProcess(String id, Path dir, String kafka, String meta) {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        command = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                "dev.quarry.cli.Quarry", "shard", "--id", id, "--port", "0", "--metrics-port", "0", "--dir", dir.resolve(id).toString(),
                "--kafka", kafka, "--meta", meta, "--commit-interval-ms", "300"));
        log = dir.resolve(id + ".log");
    }

    void start() throws IOException {
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** SIGKILL: no shutdown hook runs, nothing is committed. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** The last lines of its log (for a failure message: the log lives in the test's temporary folder). */
    String logTail(int lines) {
        try {
            List<String> all = java.nio.file.Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
