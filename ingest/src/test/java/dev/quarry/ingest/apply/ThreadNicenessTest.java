package dev.quarry.ingest.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ThreadNicenessTest {
    @Test
    void lowersOnlyTheCallingThread() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/thread-self/stat")), "Linux /proc only");
        long mine = ThreadNiceness.tidAndNice()[1];
        CompletableFuture<long[]> lowered = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                long before = ThreadNiceness.tidAndNice()[1];
                ThreadNiceness.Result result = ThreadNiceness.lowerCurrentThread(3);
                long after = ThreadNiceness.tidAndNice()[1];
                assertThat(result).isEqualTo(new ThreadNiceness.Result(true, "nice " + before + " -> " + after));
                lowered.complete(new long[] {before, after});
            } catch (Throwable e) {
                lowered.completeExceptionally(e);
            }
        });
        t.start();
        long[] beforeAfter = lowered.get();
        t.join();
        assertThat(beforeAfter[1]).isEqualTo(Math.min(19, beforeAfter[0] + 3));
        assertThat(ThreadNiceness.tidAndNice()[1]).as("the calling thread of the test is untouched").isEqualTo(mine);
    }

    @Test
    void refusesAnIncrementOutsideOneToNineteen() {
        assertThatThrownBy(() -> ThreadNiceness.lowerCurrentThread(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ThreadNiceness.lowerCurrentThread(20)).isInstanceOf(IllegalArgumentException.class);
    }
}
