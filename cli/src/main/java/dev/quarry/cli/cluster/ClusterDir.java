package dev.quarry.cli.cluster;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quarry.ingest.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The folder of a local multi-process cluster: {@code cluster.json} (the layout: every role's
 * environment and ports, so that one role can be restarted exactly as it ran), {@code logs/<role>.log},
 * {@code pids/<role>.pid}, {@code data/<role>/} and the coordinators' shared cursor key.
 * Thread-safety: none needed; used by one command at a time.
 */
public final class ClusterDir {
    private final Path root;

    public ClusterDir(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    public Path layoutFile() {
        return root.resolve("cluster.json");
    }

    public Path data() {
        return root.resolve("data");
    }

    public Path log(String role) {
        return root.resolve("logs").resolve(role + ".log");
    }

    public Path pidFile(String role) {
        return root.resolve("pids").resolve(role + ".pid");
    }

    public Path cursorSecret() {
        return root.resolve("cursor.secret");
    }

    public boolean hasLayout() {
        return Files.exists(layoutFile());
    }

    /** Creates the folders and, once, the cursor key (readable by the owner only). */
    public void prepare() throws IOException {
        Files.createDirectories(root.resolve("logs"));
        Files.createDirectories(root.resolve("pids"));
        Files.createDirectories(data());
        if (!Files.exists(cursorSecret())) {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            Path tmp = Files.createTempFile(root, "cursor", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, HexFormat.of().formatHex(key) + "\n");
            Files.move(tmp, cursorSecret(), StandardCopyOption.ATOMIC_MOVE);
        }
    }

    public void write(ClusterLayout layout) throws IOException {
        Path tmp = root.resolve("cluster.json.tmp");
        Files.writeString(tmp, Json.MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(layout) + "\n");
        Files.move(tmp, layoutFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The recorded layout; fails with a one-line reason when there is none. */
    public ClusterLayout read() throws IOException {
        if (!hasLayout()) {
            throw new IllegalStateException("no cluster in " + root + " (no cluster.json); start one with: quarry cluster up --dir " + root);
        }
        return Json.MAPPER.readValue(layoutFile().toFile(), ClusterLayout.class);
    }
}
