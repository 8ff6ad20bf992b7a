package dev.quarry.suggest.text;

import java.util.Arrays;

/**
 * Where a folded text may be matched from: position 0, and every position right after a code point
 * that is not a letter or digit ({@link Character#isLetterOrDigit(int)}), as INTERFACES.md says ("a
 * word starts after any character that is not a letter or digit"): {@code "react-dom"} has starts
 * {0, 6}, {@code "@types/node"} has starts {0, 1, 7}, and in a run of separators every position
 * after one is a start: {@code "a--b"} has starts {0, 2, 3}.
 *
 * <p>Stateless; safe for any thread.
 */
public final class WordStarts {

  private static final int[] ONLY_ZERO = {0};

  private WordStarts() {}

  /** Returns the match start positions (char offsets) of {@code folded}, ascending; {0} if empty. */
  public static int[] of(String folded) {
    int n = folded.length();
    int[] starts = null;
    int count = 1;
    boolean prevLetterOrDigit = false;
    for (int i = 0; i < n; ) {
      int cp = folded.codePointAt(i);
      boolean letterOrDigit = Character.isLetterOrDigit(cp);
      if (i > 0 && !prevLetterOrDigit) {
        if (starts == null) {
          starts = new int[4];
        } else if (count == starts.length) {
          starts = Arrays.copyOf(starts, count * 2);
        }
        starts[count++] = i;
      }
      prevLetterOrDigit = letterOrDigit;
      i += Character.charCount(cp);
    }
    if (starts == null) {
      return ONLY_ZERO.clone();
    }
    starts[0] = 0;
    return Arrays.copyOf(starts, count);
  }
}
