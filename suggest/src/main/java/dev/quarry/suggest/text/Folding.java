package dev.quarry.suggest.text;

import java.util.Locale;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;

/**
 * The one normalization both suggestion texts and queries go through: lower case ({@link
 * Locale#ROOT}), then Lucene's ASCII folding, in that order (INTERFACES.md, "Suggest HTTP"). For
 * example {@code "Émile"} folds to {@code "emile"} and {@code "Straße"} to {@code "strasse"}.
 *
 * <p>The order is taken literally: a character that is already lower case but folds to an upper
 * case letter (U+1D00 LATIN LETTER SMALL CAPITAL A folds to {@code 'A'}) stays upper case. Queries
 * and texts are folded the same way, so matching stays consistent.
 *
 * <p>Stateless; safe for any thread.
 */
public final class Folding {

  /** {@link ASCIIFoldingFilter#foldToASCII} writes at most 4 chars per input char ("⑽" → "(10)"). */
  private static final int MAX_EXPANSION = 4;

  private Folding() {}

  /** Returns the folded form of {@code s}; the empty string folds to itself. */
  public static String fold(String s) {
    String lower = s.toLowerCase(Locale.ROOT);
    int n = lower.length();
    int i = 0;
    while (i < n && lower.charAt(i) < 0x80) {
      i++;
    }
    if (i == n) {
      return lower; // pure ASCII: folding is the identity
    }
    char[] in = lower.toCharArray();
    char[] out = new char[n * MAX_EXPANSION];
    int len = ASCIIFoldingFilter.foldToASCII(in, 0, out, 0, n);
    return new String(out, 0, len);
  }
}
