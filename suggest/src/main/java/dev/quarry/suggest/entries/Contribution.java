package dev.quarry.suggest.entries;

import java.util.List;

/**
 * What one document contributes: its distinct suggestion texts, in first-seen order, and its
 * weight. Kept per document so that a later update or delete of the document can withdraw exactly
 * this, also after a restart from a persisted snapshot.
 */
public record Contribution(List<String> texts, long weight) {

  public Contribution {
    texts = List.copyOf(texts);
  }
}
