package dev.quarry.meta.ratis;

import static dev.quarry.meta.state.Commands.createIndex;
import static dev.quarry.meta.state.Commands.registerShard;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.meta.state.ClusterStates;
import dev.quarry.meta.state.StateTransitions;
import dev.quarry.proto.v1.ClusterState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotFileTest {
    @TempDir
    Path dir;

    private static ClusterState sampleState() {
        ClusterState s = StateTransitions.apply(ClusterStates.EMPTY, registerShard("s1", 7200)).state();
        s = StateTransitions.apply(s, registerShard("s2", 7210)).state();
        return StateTransitions.apply(s, createIndex("docs", 16, 4, 2)).state();
    }

    @Test
    void roundTripsStateTermAndIndex() throws IOException {
        Path file = dir.resolve("snapshot.3_42");
        ClusterState state = sampleState();
        SnapshotFile.write(file, 3, 42, state);

        SnapshotFile.Loaded loaded = SnapshotFile.read(file);
        assertThat(loaded.term()).isEqualTo(3);
        assertThat(loaded.index()).isEqualTo(42);
        assertThat(ClusterStates.toDeterministicBytes(loaded.state())).isEqualTo(ClusterStates.toDeterministicBytes(state));
        assertThat(Files.list(dir)).containsExactly(file); // no temp file left
    }

    @Test
    void everySingleFlippedByteIsDetected() throws IOException {
        Path file = dir.resolve("snapshot.1_7");
        SnapshotFile.write(file, 1, 7, sampleState());
        byte[] good = Files.readAllBytes(file);
        for (int i = 0; i < good.length; i++) {
            byte[] bad = Arrays.copyOf(good, good.length);
            bad[i] ^= 0x10;
            Files.write(file, bad);
            assertThatThrownBy(() -> SnapshotFile.read(file)).as("byte %d", i).isInstanceOf(IOException.class);
        }
    }

    @Test
    void truncatedFilesAreRefused() throws IOException {
        Path file = dir.resolve("snapshot.1_7");
        SnapshotFile.write(file, 1, 7, sampleState());
        byte[] good = Files.readAllBytes(file);
        for (int len : new int[] {0, 10, good.length / 2, good.length - 1}) {
            Files.write(file, Arrays.copyOf(good, len));
            assertThatThrownBy(() -> SnapshotFile.read(file)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void aFailedWritePublishesNothing() throws IOException {
        Path target = dir.resolve("snapshot.2_9");
        // A directory squatting on the final name makes the rename fail after the temp file was written.
        Files.createDirectory(target);
        Files.writeString(target.resolve("occupant"), "x");

        assertThatThrownBy(() -> SnapshotFile.write(target, 2, 9, sampleState())).isInstanceOf(IOException.class);
        assertThat(Files.isDirectory(target)).isTrue();
        assertThat(Files.exists(dir.resolve("snapshot.2_9.tmp"))).isFalse();
    }

    @Test
    void aWriteIntoAMissingDirectoryFailsCleanly() {
        Path target = dir.resolve("missing").resolve("snapshot.1_1");
        assertThatThrownBy(() -> SnapshotFile.write(target, 1, 1, sampleState())).isInstanceOf(IOException.class);
        assertThat(Files.exists(target)).isFalse();
    }
}
