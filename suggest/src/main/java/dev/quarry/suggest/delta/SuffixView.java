package dev.quarry.suggest.delta;

import java.util.Collection;
import java.util.function.BiConsumer;

/**
 * An immutable, array-backed copy of a delta's match starts (folded suffix, text), for the typo
 * search, which cannot use a range scan: any char of the query may be the edited one, the first
 * included. Each suffix carries char masks of its first 1..{@value #MASKED_LENGTHS}-1 chars and of
 * all of it, so most suffixes are ruled out by one AND and a bit count before any edit-distance
 * table is filled.
 *
 * <p>The pre-test: if some prefix p of suffix s is within e edits of the query q (|q| = n), then
 * |p| ≤ n + e, and every query char that is neither substituted nor deleted appears in p. A
 * distinct char of q absent from s[0, n + e) must have all its occurrences edited, so at most e
 * distinct chars of q are absent. Chars are hashed to 64 bits; a bit of q's mask absent from the
 * suffix's mask means at least one distinct char of q is absent, so at most e of q's bits may be
 * missing. Collisions only keep more candidates. For n + e beyond the masked lengths the mask of
 * the whole suffix (a superset) is used. Second, one of q's first e + 1 chars survives unedited
 * and lands within the suffix's first e + 1 chars (see {@code TypoRule}), so their masks meet.
 *
 * <p>Thread-safety: immutable after construction; safe for any number of threads.
 */
public final class SuffixView {

  /** Masks per suffix: prefixes of 1..MASKED_LENGTHS-1 chars, then the whole suffix. */
  static final int MASKED_LENGTHS = 12;

  private final long version;
  private final String[] suffixes;
  private final String[] texts;
  /** masks[len - 1][i]: the char bits of suffix i's first len chars (all of it in the last row). */
  private final long[][] masks;

  private SuffixView(long version, String[] suffixes, String[] texts, long[][] masks) {
    this.version = version;
    this.suffixes = suffixes;
    this.texts = texts;
    this.masks = masks;
  }

  /** A view of {@code keys} (a sorted, weakly consistent key set is fine) as of {@code version}. */
  static SuffixView of(long version, Collection<Delta.SuffixKey> keys) {
    int size = keys.size(); // an estimate for a concurrent set; grown below if needed
    String[] suffixes = new String[size];
    String[] texts = new String[size];
    int count = 0;
    for (Delta.SuffixKey key : keys) {
      if (count == suffixes.length) {
        suffixes = java.util.Arrays.copyOf(suffixes, count * 2 + 1);
        texts = java.util.Arrays.copyOf(texts, count * 2 + 1);
      }
      suffixes[count] = key.suffix();
      texts[count++] = key.text();
    }
    long[][] masks = new long[MASKED_LENGTHS][count];
    for (int i = 0; i < count; i++) {
      String s = suffixes[i];
      long m = 0;
      for (int len = 1; len < MASKED_LENGTHS; len++) {
        if (len <= s.length()) {
          m |= bit(s.charAt(len - 1));
        }
        masks[len - 1][i] = m;
      }
      for (int j = MASKED_LENGTHS - 1; j < s.length(); j++) {
        m |= bit(s.charAt(j));
      }
      masks[MASKED_LENGTHS - 1][i] = m;
    }
    return new SuffixView(version, java.util.Arrays.copyOf(suffixes, count), java.util.Arrays.copyOf(texts, count), masks);
  }

  /** The delta version this view was taken at. */
  long version() {
    return version;
  }

  /** The number of match starts. */
  public int size() {
    return suffixes.length;
  }

  /**
   * Calls {@code visitor} with (folded suffix, text) for every match start that passes the
   * pre-test for {@code query} and {@code maxEdits}: a superset of those with a prefix within
   * {@code maxEdits} edits of it, for the caller to check exactly.
   */
  public void forEachTypoCandidate(char[] query, int maxEdits, BiConsumer<String, String> visitor) {
    long q = 0;
    long head = 0;
    for (int i = 0; i < query.length; i++) {
      q |= bit(query[i]);
      if (i == maxEdits) {
        head = q;
      }
    }
    long[] heads = masks[Math.min(maxEdits + 1, MASKED_LENGTHS) - 1];
    long[] prefixes = masks[Math.min(query.length + maxEdits, MASKED_LENGTHS) - 1];
    for (int i = 0; i < heads.length; i++) {
      if ((head & heads[i]) != 0 && Long.bitCount(q & ~prefixes[i]) <= maxEdits) {
        visitor.accept(suffixes[i], texts[i]);
      }
    }
  }

  private static long bit(char c) {
    return 1L << ((c * 0x9E3779B9) >>> 26);
  }
}
