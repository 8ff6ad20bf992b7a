package dev.quarry.suggest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Readers look up while a writer rewrites every entry and a rebuild folds the delta into a new
 * snapshot. Each round's weights carry the round number. While a round is complete (the writer
 * announces it before rebuilding and withdraws it before writing the next one), every answer —
 * whether served by the old snapshot plus the delta, or by the new snapshot — must equal exactly
 * what that round predicts: a mixed answer would show two round numbers or a missing entry.
 * Answers read while the writer is mid-round are only checked for errors.
 */
class SnapshotSwapConcurrencyTest {

  private static final int ITEMS = 40;
  private static final int ROUNDS = 60;
  private static final int READERS = 3;

  @Test
  void lookupsDuringRebuildsNeverFailOrMix() throws Exception {
    try (SuggestIndex index = SuggestIndex.builder("swap").config(SuggestIndexConfig.manual()).build()) {
      AtomicBoolean done = new AtomicBoolean();
      AtomicInteger stableRound = new AtomicInteger(); // 0 = the writer is mid-round
      Queue<String> problems = new ConcurrentLinkedQueue<>();
      AtomicLong checks = new AtomicLong();
      List<Thread> readers = new ArrayList<>();
      for (int t = 0; t < READERS; t++) {
        String q = t % 2 == 0 ? "item" : "ITEM 1";
        readers.add(Thread.ofPlatform().name("reader-" + t)
            .start(() -> read(index, q, done, stableRound, problems, checks)));
      }
      for (int round = 1; round <= ROUNDS; round++) {
        stableRound.set(0);
        for (int i = 0; i < ITEMS; i++) {
          if (deletedIn(round, i)) {
            index.delete("d" + i);
          } else {
            index.upsert("d" + i, List.of("item " + i), weight(round, i));
          }
        }
        stableRound.set(round);
        long target = checks.get() + READERS;
        assertThat(index.rebuildNow()).isEqualTo(round);
        // Let the readers answer from the new snapshot too before the next round (no sleeping).
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

  private static void read(SuggestIndex index, String q, AtomicBoolean done, AtomicInteger stableRound,
      Queue<String> problems, AtomicLong checks) {
    long lastVersion = -1;
    boolean finalCheck = false;
    while (!finalCheck) {
      finalCheck = done.get(); // one more pass after the writer finished
      try {
        int before = stableRound.get();
        SuggestResult result = index.suggest(q, 10);
        int after = stableRound.get();
        if (result.snapshot() < lastVersion) {
          problems.add("snapshot went backwards: " + lastVersion + " → " + result.snapshot());
        }
        lastVersion = result.snapshot();
        if (before == 0 || before != after) {
          continue; // the writer was mid-round: any interleaving of its changes is allowed
        }
        List<Suggestion> expected = expected(before, q);
        if (!result.suggestions().equals(expected)) {
          problems.add("round " + before + " (snapshot " + result.snapshot() + ") q=" + q + ": "
              + result.suggestions() + " != " + expected);
        }
        checks.incrementAndGet();
      } catch (RuntimeException e) {
        problems.add("lookup threw " + e);
      }
    }
  }

  private static List<Suggestion> expected(int round, String q) {
    List<Suggestion> exact = new ArrayList<>();
    List<Suggestion> typos = new ArrayList<>(); // "item 1" is one edit from every "item N"
    for (int i = ITEMS - 1; i >= 0; i--) { // heavier first
      boolean matches = q.equals("item") || (i == 1 || (i >= 10 && i <= 19));
      if (!deletedIn(round, i)) {
        (matches ? exact : typos).add(new Suggestion("item " + i, weight(round, i), "d" + i));
      }
    }
    exact.addAll(typos);
    return exact.subList(0, Math.min(10, exact.size()));
  }

  private static boolean deletedIn(int round, int i) {
    return (i + round) % 4 == 0;
  }

  private static long weight(int round, int i) {
    return round * 1000L + i;
  }
}
