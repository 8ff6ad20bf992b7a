package dev.quarry.common.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
    @TempDir
    Path tmp;

    @Test
    void deletesATreeChildrenFirstAndAMissingRootIsNoError() throws Exception {
        Path root = tmp.resolve("data");
        Files.createDirectories(root.resolve("a/b"));
        Files.writeString(root.resolve("a/b/segments_1"), "x");
        Files.writeString(root.resolve("top"), "y");

        FileTrees.delete(root);
        FileTrees.delete(root);
        FileTrees.delete(tmp.resolve("never-created"));

        assertThat(root).doesNotExist();
        assertThat(tmp).exists();
    }
}
