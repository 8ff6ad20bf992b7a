package dev.quarry.suggest.text;

import java.util.Arrays;

/**
 * Where a folded text may be matched from: position 0, and the start of every word. A word is a
 * maximal run of letters and digits ({@link Character#isLetterOrDigit(int)}, by code point), so a
 * word starts at a letter or digit whose preceding code point is neither: {@code "react-dom"} has
 * starts {0, 6}, {@code "@types/node"} has starts {0, 1, 7}. A run of separators does not start a
 * word at every separator: {@code "a--b"} has starts {0, 3}.
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
      if (i > 0 && letterOrDigit && !prevLetterOrDigit) {
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
