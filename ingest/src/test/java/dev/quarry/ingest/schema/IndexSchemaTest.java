package dev.quarry.ingest.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IndexSchemaTest {
    static final String NPM = """
            {"fields": {"id": {"type": "keyword"}, "name": {"type": "text"}, "description": {"type": "text"},
                        "downloads": {"type": "long"}},
             "default_fields": ["name", "description"],
             "suggest": {"input": ["name"], "weight": "downloads"},
             "partitions": 16, "shards": 4, "replicas": 2, "refresh_interval_ms": 1000}
            """;

    @Test
    void parsesTheDocumentedExampleAndRoundTrips() {
        IndexSchema s = IndexSchema.parse(NPM);
        assertThat(s.fields()).containsEntry("downloads", FieldType.LONG).containsEntry("name", FieldType.TEXT);
        assertThat(s.defaultFields()).containsExactly("name", "description");
        assertThat(s.suggest()).hasValueSatisfying(sc -> {
            assertThat(sc.input()).containsExactly("name");
            assertThat(sc.weight()).hasValue("downloads");
        });
        assertThat(s.partitions()).isEqualTo(16);
        assertThat(s.shards()).isEqualTo(4);
        assertThat(s.dynamic()).isEqualTo(DynamicPolicy.STRICT);
        assertThat(IndexSchema.parse(s.toJson())).isEqualTo(s);
    }

    @Test
    void defaultsAreSensible() {
        IndexSchema s = IndexSchema.parse("{\"fields\": {\"title\": {\"type\": \"text\"}}}");
        assertThat(s.defaultFields()).containsExactly("title");
        assertThat(s.partitions()).isEqualTo(16);
        assertThat(s.shards()).isEqualTo(4);
        assertThat(s.replicas()).isEqualTo(2);
        assertThat(s.refreshIntervalMs()).isEqualTo(1000);
        assertThat(s.suggest()).isEmpty();
    }

    @Test
    void rejectsBadSchemasWithActionableMessages() {
        assertThatThrownBy(() -> IndexSchema.parse("nope")).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> IndexSchema.parse("{}")).hasMessageContaining("\"fields\"");
        assertThatThrownBy(() -> IndexSchema.parse("{\"fields\": {\"a\": {\"type\": \"blob\"}}}")).hasMessageContaining("unknown field type 'blob'");
        assertThatThrownBy(() -> IndexSchema.parse("{\"fields\": {\"_a\": {\"type\": \"text\"}}}")).hasMessageContaining("reserved");
        assertThatThrownBy(() -> IndexSchema.parse("{\"fields\": {\"a\": {\"type\": \"text\"}}, \"shards\": 5, \"partitions\": 4}"))
                .hasMessageContaining("\"shards\" must be an integer from 1 to 4");
        assertThatThrownBy(() -> IndexSchema.parse("{\"fields\": {\"a\": {\"type\": \"text\"}}, \"shard\": 2}")).hasMessageContaining("unknown schema key 'shard'");
        assertThatThrownBy(() -> IndexSchema.parse("{\"fields\": {\"a\": {\"type\": \"text\"}}, \"suggest\": {\"input\": [\"a\"], \"weight\": \"a\"}}"))
                .hasMessageContaining("long field");
        assertThatThrownBy(() -> IndexSchema.parse("{\"fields\": {\"n\": {\"type\": \"long\"}}}")).hasMessageContaining("no text field");
    }
}
