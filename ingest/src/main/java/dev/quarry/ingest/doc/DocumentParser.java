package dev.quarry.ingest.doc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.ingest.json.Json;
import dev.quarry.ingest.schema.DynamicPolicy;
import dev.quarry.ingest.schema.FieldType;
import dev.quarry.ingest.schema.IndexSchema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a record (key, JSON value) into a {@link Document} under a schema, or says exactly why not.
 * The decision depends only on the bytes and the schema, so every replica decides alike.
 * Thread-safety: immutable, safe to share.
 */
public final class DocumentParser {
    private final IndexSchema schema;

    public DocumentParser(IndexSchema schema) {
        this.schema = schema;
    }

    public Document parse(String id, byte[] value) throws BadRecordException {
        if (id == null || id.isEmpty()) {
            throw new BadRecordException(BadRecordReason.MISSING_KEY, "record has no key: the key must be the document id");
        }
        if (value.length > schema.maxDocBytes()) {
            throw new BadRecordException(BadRecordReason.TOO_LARGE,
                    "document of " + value.length + " bytes exceeds max_doc_bytes " + schema.maxDocBytes());
        }
        JsonNode root;
        try {
            root = Json.parse(value);
        } catch (IOException e) {
            throw new BadRecordException(BadRecordReason.INVALID_JSON, "invalid JSON: " + firstLine(e.getMessage()));
        }
        if (!(root instanceof ObjectNode obj)) {
            throw new BadRecordException(BadRecordReason.NOT_AN_OBJECT, "document must be a JSON object");
        }
        Map<String, List<Object>> values = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = e.getKey();
            JsonNode node = e.getValue();
            if (field.equals("id") && !(node.isTextual() && node.asText().equals(id))) {
                throw new BadRecordException(BadRecordReason.ID_MISMATCH,
                        "field \"id\" (" + abbreviate(node.toString()) + ") differs from the record key (" + abbreviate(id) + ")");
            }
            FieldType type = schema.fields().get(field);
            if (type == null) {
                if (schema.dynamic() == DynamicPolicy.IGNORE || field.equals("id")) {
                    continue;
                }
                throw new BadRecordException(BadRecordReason.UNKNOWN_FIELD, "unknown field \"" + abbreviate(field) + "\" (schema is strict)");
            }
            List<Object> vs = new ArrayList<>();
            if (node.isArray()) {
                for (JsonNode item : node) {
                    addValue(vs, field, type, item);
                }
            } else {
                addValue(vs, field, type, node);
            }
            if (!vs.isEmpty()) {
                values.put(field, vs);
            }
        }
        return new Document(id, values, new String(value, StandardCharsets.UTF_8));
    }

    private static void addValue(List<Object> out, String field, FieldType type, JsonNode n) throws BadRecordException {
        if (n.isNull()) {
            return;
        }
        Object v = switch (type) {
            case TEXT, KEYWORD -> n.isTextual() ? n.asText() : null;
            case LONG -> n.isIntegralNumber() && n.canConvertToLong() ? Long.valueOf(n.asLong()) : null;
            case DOUBLE -> n.isNumber() && Double.isFinite(n.asDouble()) ? Double.valueOf(n.asDouble()) : null;
            case BOOLEAN -> n.isBoolean() ? Boolean.valueOf(n.asBoolean()) : null;
        };
        if (v == null) {
            throw new BadRecordException(BadRecordReason.WRONG_TYPE,
                    "field \"" + field + "\" is " + type.jsonName() + " but got " + abbreviate(n.toString()));
        }
        out.add(v);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return abbreviate(nl < 0 ? s : s.substring(0, nl));
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
