package dev.quarry.ingest.doc;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated document: its id (the Kafka key), typed values per declared field, and the source
 * JSON as it was written. Values are {@code String} (text, keyword), {@code Long}, {@code Double}
 * or {@code Boolean}; a field may hold several values (a JSON array).
 */
public record Document(String id, Map<String, List<Object>> values, String sourceJson) {
    public Document {
        Map<String, List<Object>> copy = new LinkedHashMap<>();
        values.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        values = Collections.unmodifiableMap(copy);
    }

    /** The values of {@code field}, empty when the document does not have it. */
    public List<Object> get(String field) {
        return values.getOrDefault(field, List.of());
    }
}
