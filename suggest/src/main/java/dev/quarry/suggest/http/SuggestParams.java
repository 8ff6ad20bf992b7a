package dev.quarry.suggest.http;

import dev.quarry.suggest.error.SuggestException;
import java.util.List;
import java.util.Map;

/**
 * The validated parameters of {@code GET /v1/suggest}.
 *
 * @param index the index name (required, non-empty)
 * @param q the prefix as typed (required, non-empty, at most {@value #MAX_Q_CHARS} code points)
 * @param k how many suggestions ({@value #MIN_K}..{@value #MAX_K}, default {@value #DEFAULT_K})
 */
record SuggestParams(String index, String q, int k) {

  static final int MAX_Q_CHARS = 100;
  static final int MIN_K = 1;
  static final int MAX_K = 50;
  static final int DEFAULT_K = 10;

  /**
   * Validates decoded query parameters (the first value of each counts).
   *
   * @throws SuggestException {@code INVALID_ARGUMENT} naming the parameter and the rule
   */
  static SuggestParams parse(Map<String, List<String>> params) {
    String index = first(params, "index");
    if (index == null || index.isEmpty()) {
      throw SuggestException.invalidArgument("missing required parameter 'index'");
    }
    String q = first(params, "q");
    if (q == null) {
      throw SuggestException.invalidArgument("missing required parameter 'q'");
    }
    // Folding (lower case + ASCII folding) maps every char to one or more chars, so the folded
    // q is empty exactly when q is.
    if (q.isEmpty()) {
      throw SuggestException.invalidArgument("parameter 'q' must not be empty");
    }
    if (q.codePointCount(0, q.length()) > MAX_Q_CHARS) {
      throw SuggestException.invalidArgument(
          "parameter 'q' is longer than " + MAX_Q_CHARS + " characters");
    }
    String kText = first(params, "k");
    int k = DEFAULT_K;
    if (kText != null) {
      try {
        k = Integer.parseInt(kText);
      } catch (NumberFormatException e) {
        k = -1;
      }
      if (k < MIN_K || k > MAX_K) {
        throw SuggestException.invalidArgument(
            "parameter 'k' must be an integer from " + MIN_K + " to " + MAX_K);
      }
    }
    return new SuggestParams(index, q, k);
  }

  private static String first(Map<String, List<String>> params, String name) {
    List<String> values = params.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
