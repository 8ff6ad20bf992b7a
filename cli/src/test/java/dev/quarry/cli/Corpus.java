package dev.quarry.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared npm corpus (227k documents), which lies in shared/ beside the repository. */
final class Corpus {
    private Corpus() {}

    static Path find() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("shared/datasets/npm-packages.jsonl.gz");
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IllegalStateException("shared/datasets/npm-packages.jsonl.gz not found above " + Path.of("").toAbsolutePath());
    }
}
