package dev.quarry.suggest.http;

import dev.quarry.suggest.error.SuggestException;
import java.util.List;
import java.util.Map;

/**
 * The validated parameters of {@code GET /v1/search}.
 *
 * @param index the index name (required, non-empty)
 * @param q the query in Lucene classic syntax, as the gRPC {@code Search} takes it (required,
 *     non-blank, at most {@value #MAX_Q_CHARS} characters)
 * @param k page size ({@value #MIN_K}..{@value #MAX_K}, default {@value #DEFAULT_K})
 */
record SearchParams(String index, String q, int k) {

  static final int MAX_Q_CHARS = 1000;
  static final int MIN_K = 1;
  static final int MAX_K = 50;
  static final int DEFAULT_K = 10;

  static SearchParams parse(Map<String, List<String>> params) {
    String index = first(params, "index");
    if (index == null || index.isEmpty()) {
      throw SuggestException.invalidArgument("missing required parameter 'index'");
    }
    String q = first(params, "q");
    if (q == null || q.isBlank()) {
      throw SuggestException.invalidArgument("missing required parameter 'q'");
    }
    if (q.codePointCount(0, q.length()) > MAX_Q_CHARS) {
      throw SuggestException.invalidArgument("parameter 'q' is longer than " + MAX_Q_CHARS + " characters");
    }
    int k = DEFAULT_K;
    String kText = first(params, "k");
    if (kText != null) {
      try {
        k = Integer.parseInt(kText);
      } catch (NumberFormatException e) {
        k = -1;
      }
      if (k < MIN_K || k > MAX_K) {
        throw SuggestException.invalidArgument("parameter 'k' must be an integer from " + MIN_K + " to " + MAX_K);
      }
    }
    return new SearchParams(index, q, k);
  }

  private static String first(Map<String, List<String>> params, String name) {
    List<String> values = params.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
