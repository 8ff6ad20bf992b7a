package dev.quarry.ingest.doc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.quarry.ingest.schema.IndexSchema;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DocumentParserTest {
    private static final IndexSchema SCHEMA = IndexSchema.parse("""
            {"fields": {"id": {"type": "keyword"}, "name": {"type": "text"}, "tags": {"type": "keyword"},
             "downloads": {"type": "long"}, "score": {"type": "double"}, "deprecated": {"type": "boolean"}},
             "max_doc_bytes": 200}
            """);
    private final DocumentParser parser = new DocumentParser(SCHEMA);

    @Test
    void parsesTypedValuesAndKeepsTheSource() throws Exception {
        String json = "{\"id\":\"react\",\"name\":\"React\",\"tags\":[\"ui\",\"dom\"],\"downloads\":12,\"score\":1.5,\"deprecated\":false,\"score2\":null}"
                .replace(",\"score2\":null", "");
        Document d = parser.parse("react", json.getBytes(StandardCharsets.UTF_8));
        assertThat(d.id()).isEqualTo("react");
        assertThat(d.get("tags")).containsExactly("ui", "dom");
        assertThat(d.get("downloads")).containsExactly(12L);
        assertThat(d.get("score")).containsExactly(1.5);
        assertThat(d.get("deprecated")).containsExactly(false);
        assertThat(d.sourceJson()).isEqualTo(json);
    }

    @Test
    void classifiesEveryBadRecordKind() {
        assertThat(reason(null, "{}")).isEqualTo(BadRecordReason.MISSING_KEY);
        assertThat(reason("a", "{not json")).isEqualTo(BadRecordReason.INVALID_JSON);
        assertThat(reason("a", "{\"name\":\"x\"} trailing")).isEqualTo(BadRecordReason.INVALID_JSON);
        assertThat(reason("a", "[1,2]")).isEqualTo(BadRecordReason.NOT_AN_OBJECT);
        assertThat(reason("a", "{\"id\":\"b\"}")).isEqualTo(BadRecordReason.ID_MISMATCH);
        assertThat(reason("a", "{\"color\":\"red\"}")).isEqualTo(BadRecordReason.UNKNOWN_FIELD);
        assertThat(reason("a", "{\"downloads\":\"many\"}")).isEqualTo(BadRecordReason.WRONG_TYPE);
        assertThat(reason("a", "{\"downloads\":1.5}")).isEqualTo(BadRecordReason.WRONG_TYPE);
        assertThat(reason("a", "{\"name\":{\"nested\":1}}")).isEqualTo(BadRecordReason.WRONG_TYPE);
        assertThat(reason("a", "{\"name\":\"" + "x".repeat(300) + "\"}")).isEqualTo(BadRecordReason.TOO_LARGE);
    }

    @Test
    void ignoresUnknownFieldsWhenTheSchemaSaysSo() throws Exception {
        DocumentParser lenient = new DocumentParser(IndexSchema.parse("{\"fields\": {\"name\": {\"type\": \"text\"}}, \"dynamic\": \"ignore\"}"));
        Document d = lenient.parse("a", "{\"name\":\"x\",\"color\":\"red\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(d.values()).containsOnlyKeys("name");
    }

    private BadRecordReason reason(String id, String json) {
        BadRecordException e = catchThrowableOfType(BadRecordException.class, () -> parser.parse(id, json.getBytes(StandardCharsets.UTF_8)));
        assertThat(e).as(json).isNotNull();
        return e.reason();
    }
}
