package dev.quarry.suggest.http;

import dev.quarry.suggest.error.SuggestException;
import java.util.List;
import java.util.Map;

/**
 * The parameter rules {@code /v1/suggest} and {@code /v1/search} share: a required index, a
 * required {@code q} of bounded length, and {@code k} in 1..50 (default 10). The first value of a
 * repeated parameter counts. Every violation is an {@code INVALID_ARGUMENT} naming the parameter.
 */
final class QueryParams {
  static final int MIN_K = 1;
  static final int MAX_K = 50;
  static final int DEFAULT_K = 10;

  private final Map<String, List<String>> params;

  QueryParams(Map<String, List<String>> params) {
    this.params = params;
  }

  String index() {
    String index = first("index");
    if (index == null || index.isEmpty()) {
      throw SuggestException.invalidArgument("missing required parameter 'index'");
    }
    return index;
  }

  /** {@code q}, non-empty (and non-blank unless {@code blankAllowed}), at most {@code maxChars} code points. */
  String q(int maxChars, boolean blankAllowed) {
    String q = first("q");
    if (q == null) {
      throw SuggestException.invalidArgument("missing required parameter 'q'");
    }
    if (q.isEmpty() || (!blankAllowed && q.isBlank())) {
      throw SuggestException.invalidArgument("parameter 'q' must not be empty");
    }
    if (q.codePointCount(0, q.length()) > maxChars) {
      throw SuggestException.invalidArgument("parameter 'q' is longer than " + maxChars + " characters");
    }
    return q;
  }

  int k() {
    String kText = first("k");
    if (kText == null) {
      return DEFAULT_K;
    }
    int k;
    try {
      k = Integer.parseInt(kText);
    } catch (NumberFormatException e) {
      k = -1;
    }
    if (k < MIN_K || k > MAX_K) {
      throw SuggestException.invalidArgument("parameter 'k' must be an integer from " + MIN_K + " to " + MAX_K);
    }
    return k;
  }

  private String first(String name) {
    List<String> values = params.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
