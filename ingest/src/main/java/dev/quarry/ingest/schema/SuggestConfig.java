package dev.quarry.ingest.schema;

import java.util.List;
import java.util.Optional;

/**
 * Which fields feed typeahead: every value of the {@code input} fields becomes a suggestion text,
 * weighted by the document's {@code weight} field (0 when absent).
 */
public record SuggestConfig(List<String> input, Optional<String> weight) {
    public SuggestConfig {
        input = List.copyOf(input);
    }
}
