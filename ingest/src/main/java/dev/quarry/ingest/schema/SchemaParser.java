package dev.quarry.ingest.schema;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.ingest.json.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads and writes {@link IndexSchema} JSON, rejecting anything ambiguous with a message a user can act on. */
final class SchemaParser {
    private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,99}");
    private static final Set<String> TOP_LEVEL_KEYS = Set.of(
            "fields", "default_fields", "suggest", "partitions", "shards", "replicas",
            "refresh_interval_ms", "dynamic", "max_doc_bytes");
    /** Kafka handles thousands of partitions, but a shard per partition beyond this is a mistake. */
    private static final int MAX_PARTITIONS = 1024;
    private static final int MAX_REPLICAS = 16;

    private SchemaParser() {}

    static IndexSchema parse(String json) {
        JsonNode root;
        try {
            root = Json.parse(json);
        } catch (JsonProcessingException e) {
            throw new SchemaException("schema is not valid JSON: " + e.getOriginalMessage());
        }
        if (!(root instanceof ObjectNode obj)) {
            throw new SchemaException("schema must be a JSON object");
        }
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!TOP_LEVEL_KEYS.contains(key)) {
                throw new SchemaException("unknown schema key '" + key + "' (known: " + String.join(", ", TOP_LEVEL_KEYS.stream().sorted().toList()) + ")");
            }
        }
        Map<String, FieldType> fields = parseFields(obj.get("fields"));
        List<String> defaultFields = parseDefaultFields(obj.get("default_fields"), fields);
        Optional<SuggestConfig> suggest = parseSuggest(obj.get("suggest"), fields);
        int partitions = intIn(obj, "partitions", IndexSchema.DEFAULT_PARTITIONS, 1, MAX_PARTITIONS);
        int shards = intIn(obj, "shards", Math.min(IndexSchema.DEFAULT_SHARDS, partitions), 1, partitions);
        int replicas = intIn(obj, "replicas", IndexSchema.DEFAULT_REPLICAS, 1, MAX_REPLICAS);
        long refresh = intIn(obj, "refresh_interval_ms", (int) IndexSchema.DEFAULT_REFRESH_INTERVAL_MS, 10, 3_600_000);
        int maxDocBytes = intIn(obj, "max_doc_bytes", IndexSchema.DEFAULT_MAX_DOC_BYTES, 16, 64 << 20);
        DynamicPolicy dynamic = parseDynamic(obj.get("dynamic"));
        return new IndexSchema(fields, defaultFields, suggest, partitions, shards, replicas, refresh, dynamic, maxDocBytes);
    }

    private static Map<String, FieldType> parseFields(JsonNode node) {
        if (!(node instanceof ObjectNode obj) || obj.isEmpty()) {
            throw new SchemaException("schema needs a non-empty object \"fields\", e.g. {\"name\": {\"type\": \"text\"}}");
        }
        Map<String, FieldType> fields = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (!FIELD_NAME.matcher(name).matches()) {
                throw new SchemaException("field name '" + name + "' must start with a letter and use only letters, digits, '_', '.', '-' (names starting with '_' are reserved)");
            }
            JsonNode type = e.getValue().get("type");
            if (type == null || !type.isTextual()) {
                throw new SchemaException("field '" + name + "' needs a \"type\" (text, keyword, long, double or boolean)");
            }
            fields.put(name, FieldType.parse(type.asText()));
        }
        return fields;
    }

    private static List<String> parseDefaultFields(JsonNode node, Map<String, FieldType> fields) {
        if (node == null) {
            List<String> texts = fields.entrySet().stream().filter(e -> e.getValue() == FieldType.TEXT).map(Map.Entry::getKey).toList();
            if (texts.isEmpty()) {
                throw new SchemaException("schema has no text field: name the fields queries search in \"default_fields\"");
            }
            return texts;
        }
        List<String> names = stringList(node, "default_fields");
        for (String n : names) {
            FieldType t = fields.get(n);
            if (t != FieldType.TEXT && t != FieldType.KEYWORD) {
                throw new SchemaException("default field '" + n + "' must be a declared text or keyword field");
            }
        }
        if (names.isEmpty()) {
            throw new SchemaException("\"default_fields\" must name at least one field");
        }
        return names;
    }

    private static Optional<SuggestConfig> parseSuggest(JsonNode node, Map<String, FieldType> fields) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!(node instanceof ObjectNode obj)) {
            throw new SchemaException("\"suggest\" must be an object like {\"input\": [\"name\"], \"weight\": \"downloads\"}");
        }
        List<String> input = stringList(obj.get("input"), "suggest.input");
        if (input.isEmpty()) {
            throw new SchemaException("\"suggest.input\" must name at least one text or keyword field");
        }
        for (String n : input) {
            FieldType t = fields.get(n);
            if (t != FieldType.TEXT && t != FieldType.KEYWORD) {
                throw new SchemaException("suggest input '" + n + "' must be a declared text or keyword field");
            }
        }
        JsonNode w = obj.get("weight");
        Optional<String> weight = Optional.empty();
        if (w != null && !w.isNull()) {
            FieldType t = w.isTextual() ? fields.get(w.asText()) : null;
            if (t != FieldType.LONG) {
                throw new SchemaException("\"suggest.weight\" must name a declared long field");
            }
            weight = Optional.of(w.asText());
        }
        return Optional.of(new SuggestConfig(input, weight));
    }

    private static DynamicPolicy parseDynamic(JsonNode node) {
        if (node == null || node.isNull()) {
            return DynamicPolicy.STRICT;
        }
        return switch (node.asText()) {
            case "strict" -> DynamicPolicy.STRICT;
            case "ignore" -> DynamicPolicy.IGNORE;
            default -> throw new SchemaException("\"dynamic\" must be \"strict\" or \"ignore\"");
        };
    }

    private static List<String> stringList(JsonNode node, String what) {
        if (!(node instanceof ArrayNode arr)) {
            throw new SchemaException("\"" + what + "\" must be an array of field names");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : arr) {
            if (!n.isTextual()) {
                throw new SchemaException("\"" + what + "\" must contain only field names (strings)");
            }
            out.add(n.asText());
        }
        return out;
    }

    private static int intIn(ObjectNode obj, String key, int dflt, int min, int max) {
        JsonNode n = obj.get(key);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < min || n.asInt() > max) {
            throw new SchemaException("\"" + key + "\" must be an integer from " + min + " to " + max);
        }
        return n.asInt();
    }

    static String toJson(IndexSchema s) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode fields = root.putObject("fields");
        s.fields().forEach((name, type) -> fields.putObject(name).put("type", type.jsonName()));
        ArrayNode df = root.putArray("default_fields");
        s.defaultFields().forEach(df::add);
        s.suggest().ifPresent(sc -> {
            ObjectNode sn = root.putObject("suggest");
            ArrayNode in = sn.putArray("input");
            sc.input().forEach(in::add);
            sc.weight().ifPresent(w -> sn.put("weight", w));
        });
        root.put("partitions", s.partitions());
        root.put("shards", s.shards());
        root.put("replicas", s.replicas());
        root.put("refresh_interval_ms", s.refreshIntervalMs());
        root.put("dynamic", s.dynamic() == DynamicPolicy.STRICT ? "strict" : "ignore");
        root.put("max_doc_bytes", s.maxDocBytes());
        return Json.write(root);
    }
}
