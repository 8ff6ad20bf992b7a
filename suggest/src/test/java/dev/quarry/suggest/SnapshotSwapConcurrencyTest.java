package dev.quarry.suggest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Readers look up while a writer rewrites every entry and publishes a snapshot per round. Each
 * round's weights carry the round number, so an answer that mixed two snapshots (or a snapshot
 * with another's watermark) would show two round numbers; every answer must equal exactly what
 * its round predicts.
 */
class SnapshotSwapConcurrencyTest {

  private static final int ITEMS = 40;
  private static final int ROUNDS = 80;
  private static final int READERS = 3;

  @Test
  void readersNeverSeeAMixOfSnapshots() throws Exception {
    try (SuggestIndex index = SuggestIndex.builder("swap").config(SuggestIndexConfig.manual()).build()) {
      AtomicBoolean done = new AtomicBoolean();
      Queue<String> problems = new ConcurrentLinkedQueue<>();
      AtomicLong checks = new AtomicLong();
      List<Thread> readers = new ArrayList<>();
      for (int t = 0; t < READERS; t++) {
        String q = t % 2 == 0 ? "item" : "ITEM 1";
        readers.add(Thread.ofPlatform().name("reader-" + t).start(() -> read(index, q, done, problems, checks)));
      }
      for (int round = 1; round <= ROUNDS; round++) {
        for (int i = 0; i < ITEMS; i++) {
          if (deletedIn(round, i)) {
            index.delete("d" + i);
          } else {
            index.upsert("d" + i, List.of("item " + i), weight(round, i));
          }
        }
        index.setWatermark(0, round);
        assertThat(index.rebuildNow()).isEqualTo(round);
        // Let every reader answer from this snapshot before the next swap (no sleeping, no clocks).
        long target = checks.get() + READERS;
        while (checks.get() < target && readers.stream().anyMatch(Thread::isAlive)) {
          Thread.yield();
        }
      }
      done.set(true);
      for (Thread reader : readers) {
        reader.join();
      }
      assertThat(problems).isEmpty();
      assertThat(checks.get()).isGreaterThanOrEqualTo((long) READERS * ROUNDS);
    }
  }

  private static void read(
      SuggestIndex index, String q, AtomicBoolean done, Queue<String> problems, AtomicLong checks) {
    long lastVersion = -1;
    boolean finalCheck = false;
    while (!finalCheck) {
      finalCheck = done.get(); // one more pass after the writer finished
      try {
        SuggestResult result = index.suggest(q, 10);
        if (result.snapshot() < lastVersion) {
          problems.add("snapshot went backwards: " + lastVersion + " → " + result.snapshot());
        }
        lastVersion = result.snapshot();
        if (result.snapshot() == 0) {
          if (!result.suggestions().isEmpty() || !result.watermark().offsets().isEmpty()) {
            problems.add("snapshot 0 is not empty: " + result);
          }
          continue;
        }
        int round = (int) (result.suggestions().get(0).weight() / 1000);
        List<Suggestion> expected = expected(round, q);
        if (!result.suggestions().equals(expected)) {
          problems.add("round " + round + " q=" + q + ": " + result.suggestions() + " != " + expected);
        }
        if (!result.watermark().offsets().equals(Map.of(0, (long) round))) {
          problems.add("round " + round + " served watermark " + result.watermark());
        }
        if (result.snapshot() != round) {
          problems.add("round " + round + " served as snapshot " + result.snapshot());
        }
        checks.incrementAndGet();
      } catch (RuntimeException e) {
        problems.add("lookup threw " + e);
      }
    }
  }

  private static List<Suggestion> expected(int round, String q) {
    List<Suggestion> all = new ArrayList<>();
    for (int i = ITEMS - 1; i >= 0; i--) { // heavier first
      boolean matches = q.equals("item") || (i == 1 || (i >= 10 && i <= 19));
      if (matches && !deletedIn(round, i)) {
        all.add(new Suggestion("item " + i, weight(round, i), "d" + i));
      }
    }
    return all.subList(0, Math.min(10, all.size()));
  }

  private static boolean deletedIn(int round, int i) {
    return (i + round) % 4 == 0;
  }

  private static long weight(int round, int i) {
    return round * 1000L + i;
  }
}
