package dev.quarry.ingest.schema;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An index's schema: typed fields, the fields queries search by default, the typeahead source and
 * the index's layout (partitions, shards, replicas). Immutable; build one with {@link SchemaParser}.
 *
 * @param fields          field name to type, in declaration order
 * @param defaultFields   text or keyword fields a query without a field prefix searches
 * @param suggest         typeahead source, if the index has one
 * @param partitions      Kafka partitions of the index's topic
 * @param shards          Lucene shards; each owns a contiguous range of partitions
 * @param replicas        copies of each shard
 * @param refreshIntervalMs how often new writes become searchable
 * @param dynamic         what to do with undeclared fields
 * @param maxDocBytes     documents larger than this are rejected
 */
public record IndexSchema(
        Map<String, FieldType> fields,
        List<String> defaultFields,
        Optional<SuggestConfig> suggest,
        int partitions,
        int shards,
        int replicas,
        long refreshIntervalMs,
        DynamicPolicy dynamic,
        int maxDocBytes) {

    public static final int DEFAULT_PARTITIONS = 16;
    public static final int DEFAULT_SHARDS = 4;
    public static final int DEFAULT_REPLICAS = 2;
    public static final long DEFAULT_REFRESH_INTERVAL_MS = 1000;
    /** 1 MiB: larger documents are dead-lettered (they would bloat segments and responses). */
    public static final int DEFAULT_MAX_DOC_BYTES = 1 << 20;

    public IndexSchema {
        fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        defaultFields = List.copyOf(defaultFields);
    }

    /** The declared type of {@code field}, if any. */
    public Optional<FieldType> typeOf(String field) {
        return Optional.ofNullable(fields.get(field));
    }

    /** Parses and validates a schema given as JSON. */
    public static IndexSchema parse(String json) {
        return SchemaParser.parse(json);
    }

    /** The schema as canonical JSON (parses back to an equal schema). */
    public String toJson() {
        return SchemaParser.toJson(this);
    }
}
