package dev.quarry.suggest.http;

import java.util.List;
import java.util.Map;

/**
 * The validated parameters of {@code GET /v1/suggest}.
 *
 * @param index the index name (required, non-empty)
 * @param q the prefix as typed (required, non-empty, at most {@value #MAX_Q_CHARS} code points;
 *     a blank prefix is allowed: folding maps every char to one or more chars, so the folded q is
 *     empty exactly when q is)
 * @param k how many suggestions (1..50, default 10)
 */
record SuggestParams(String index, String q, int k) {

  static final int MAX_Q_CHARS = 100;

  /**
   * Validates decoded query parameters (the first value of each counts).
   *
   * @throws dev.quarry.suggest.error.SuggestException {@code INVALID_ARGUMENT} naming the parameter and the rule
   */
  static SuggestParams parse(Map<String, List<String>> params) {
    QueryParams p = new QueryParams(params);
    return new SuggestParams(p.index(), p.q(MAX_Q_CHARS, true), p.k());
  }
}
