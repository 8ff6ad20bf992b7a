package dev.quarry.suggest.http;

import java.util.List;
import java.util.Map;

/**
 * The validated parameters of {@code GET /v1/search}.
 *
 * @param index the index name (required, non-empty)
 * @param q the query in Lucene classic syntax, as the gRPC {@code Search} takes it (required,
 *     non-blank, at most {@value #MAX_Q_CHARS} characters)
 * @param k page size (1..50, default 10)
 */
record SearchParams(String index, String q, int k) {

  static final int MAX_Q_CHARS = 1000;

  static SearchParams parse(Map<String, List<String>> params) {
    QueryParams p = new QueryParams(params);
    return new SearchParams(p.index(), p.q(MAX_Q_CHARS, false), p.k());
  }
}
