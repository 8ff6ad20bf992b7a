package dev.quarry.suggest.lookup;

/**
 * How many edits a folded query may be away from a text (INTERFACES.md, "Suggest HTTP"): none below
 * 4 chars, 1 from 4, 2 from 8. Short prefixes get no typo tolerance because at 1–3 chars one edit
 * already matches a large part of any vocabulary.
 *
 * <p>Also the reference definition of a typo match, used where no FST is at hand (the delta): some
 * prefix p of the folded text, taken from position 0 or a word start, is within the allowed number
 * of edits of the folded query. Edits are Levenshtein's, counted on UTF-16 chars: insert, delete
 * or substitute one char; a transposition ("raect" for "react") counts as two, as in Lucene's
 * {@code LevenshteinAutomata} without transpositions. Every char may be edited, the first one
 * included ("xeact" finds "react").
 */
public final class TypoRule {

  /** Folded query length (chars) from which 1 edit is allowed. */
  public static final int ONE_EDIT_FROM = 4;
  /** Folded query length (chars) from which 2 edits are allowed. */
  public static final int TWO_EDITS_FROM = 8;

  private TypoRule() {}

  /** The edits allowed for a folded query. */
  public static int maxEdits(String foldedQuery) {
    int n = foldedQuery.length();
    return n >= TWO_EDITS_FROM ? 2 : n >= ONE_EDIT_FROM ? 1 : 0;
  }

  /**
   * The smallest number of edits between {@code query} and any prefix of {@code text.substring(from)},
   * capped: returns {@code maxEdits + 1} as soon as no prefix can come within {@code maxEdits}.
   * {@code a} and {@code b} are scratch rows of at least {@code query.length + 1} ints.
   */
  public static int prefixDistance(char[] query, String text, int from, int maxEdits, int[] a, int[] b) {
    int n = query.length;
    if (!mayMatch(query, text, from, maxEdits)) {
      return maxEdits + 1;
    }
    int[] row = a;
    int[] next = b;
    for (int i = 0; i <= n; i++) {
      row[i] = i;
    }
    int best = row[n];
    for (int j = from; j < text.length() && best > 0; j++) {
      char c = text.charAt(j);
      next[0] = row[0] + 1;
      int min = next[0];
      for (int i = 1; i <= n; i++) {
        int v = Math.min(Math.min(row[i] + 1, next[i - 1] + 1), row[i - 1] + (query[i - 1] == c ? 0 : 1));
        next[i] = v;
        min = Math.min(min, v);
      }
      best = Math.min(best, next[n]);
      if (min > maxEdits) {
        break;
      }
      int[] t = row;
      row = next;
      next = t;
    }
    return Math.min(best, maxEdits + 1);
  }

  /**
   * A necessary condition, cheap to test (the query is longer than {@code maxEdits}): within
   * {@code maxEdits} edits one of the first {@code maxEdits + 1} query chars survives unedited. If
   * the first such char is query[i], each of the i before it was substituted or deleted, so at most
   * {@code maxEdits - i} inserts precede it and it lands on text char {@code from + j} with
   * {@code j <= i + (maxEdits - i) = maxEdits}.
   */
  private static boolean mayMatch(char[] query, String text, int from, int maxEdits) {
    int qEnd = Math.min(query.length, maxEdits + 1);
    int tEnd = Math.min(text.length(), from + maxEdits + 1);
    for (int i = 0; i < qEnd; i++) {
      for (int j = from; j < tEnd; j++) {
        if (query[i] == text.charAt(j)) {
          return true;
        }
      }
    }
    return false;
  }
}
