package dev.quarry.common.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Whole directory trees on disk. Thread-safety: stateless. */
public final class FileTrees {
    private FileTrees() {}

    /** Deletes {@code root} and everything under it, children first; a root that does not exist is not an error. */
    public static void delete(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (NoSuchFileException missing) {
            // nothing to delete
        }
    }
}
