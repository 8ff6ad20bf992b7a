package dev.quarry.shard.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.ingest.schema.IndexSchema;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.junit.jupiter.api.Test;

/**
 * {@link SharedRewrite} rewrites a query once only when the result is what a shard's own searcher
 * gives, and it does so for the plain-word queries most searches are.
 */
class SharedRewriteTest {
    private static final IndexSchema SCHEMA = IndexSchema.parse("""
            {"fields": {"name": {"type": "text"}, "description": {"type": "text"}, "tag": {"type": "keyword"}},
             "default_fields": ["name", "description"]}""");
    private static final QueryFactory QUERIES = new QueryFactory(SCHEMA);
    private static final List<String> WORDS = List.of("react", "router", "vue", "the", "a", "json", "parser", "http", "server", "cli");
    private static final List<String> OPERATORS = List.of(" ", " ", " AND ", " OR ", " -", " +", " NOT ");

    @Property(tries = 200)
    void aSharedRewriteIsWhatEveryShardWouldRewriteTo(@ForAll long seed) throws Exception {
        Random r = new Random(seed);
        StringBuilder text = new StringBuilder(word(r));
        for (int n = r.nextInt(5); n > 0; n--) {
            text.append(OPERATORS.get(r.nextInt(OPERATORS.size()))).append(word(r));
        }
        Query q = QUERIES.build(text.toString(), List.of());
        Query shared = SharedRewrite.of(q);
        if (!text.toString().matches(".*[*~\\[\"].*")) {
            assertThat(shared).as("plain words: %s", text).isNotNull();
        }
        if (shared == null) {
            return;
        }
        for (int docs : new int[] {0, 1, 50}) {
            try (ByteBuffersDirectory dir = new ByteBuffersDirectory()) {
                try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig())) {
                    for (int i = 0; i < docs; i++) {
                        Document d = new Document();
                        d.add(new TextField("name", word(r) + " " + word(r), Field.Store.NO));
                        d.add(new TextField("description", word(r) + " " + word(r) + " " + word(r), Field.Store.NO));
                        w.addDocument(d);
                    }
                }
                try (DirectoryReader reader = DirectoryReader.open(dir)) {
                    assertThat(shared).as("%s on %d documents", text, docs).isEqualTo(new IndexSearcher(reader).rewrite(q));
                }
            }
        }
    }

    /** Words, now and then a prefix, fuzzy, phrase or range query, which expand against a shard's index. */
    private static String word(Random r) {
        String w = WORDS.get(r.nextInt(WORDS.size()));
        return switch (r.nextInt(12)) {
            case 0 -> w.substring(0, Math.min(2, w.length())) + "*";
            case 1 -> w + "~";
            case 2 -> "\"" + w + " " + WORDS.get(r.nextInt(WORDS.size())) + "\"";
            case 3 -> "name:[a TO " + w + "]";
            case 4 -> "tag:" + w;
            default -> w;
        };
    }

    @Test
    void queriesThatExpandAgainstAShardAreRewrittenPerShard() {
        for (String text : List.of("reac*", "react~", "\"react router\"", "name:[a TO m]", "*:*", "re?ct")) {
            assertThat(SharedRewrite.of(QUERIES.build(text, List.of()))).as(text).isNull();
        }
        assertThat(SharedRewrite.of(QUERIES.build("react router -vue", List.of()))).isNotNull();
    }
}
