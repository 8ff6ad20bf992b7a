package dev.quarry.shard.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.ingest.apply.LogRecord;
import dev.quarry.ingest.schema.IndexSchema;
import dev.quarry.proto.v1.Filter;
import dev.quarry.proto.v1.ShardHit;
import dev.quarry.proto.v1.ShardQueryRequest;
import dev.quarry.proto.v1.ShardQueryResponse;
import dev.quarry.proto.v1.TermsFilter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ShardSearcher#prepare}: the query phase on a prepared query (rewritten once, term states kept
 * from the statistics) answers exactly as the two-round path (statistics, then a query carrying them),
 * and the prepared searcher is held until closed, once.
 */
class PreparedQueryTest {
    private static final IndexSchema SCHEMA = IndexSchema.parse("""
            {"fields": {"name": {"type": "text"}, "tag": {"type": "keyword"}}, "default_fields": ["name"], "refresh_interval_ms": 10}""");
    private static final String[] WORDS = {"alpha", "beta", "gamma", "delta", "react", "router"};

    private ShardWriter writer;
    private ShardSearcher searcher;

    @BeforeEach
    void shard() throws Exception {
        writer = new ShardWriter("test", SCHEMA, new ByteBuffersDirectory(), Clock.systemUTC(), 1_000_000, 600_000, dl -> { },
                new SimpleMeterRegistry(), Tags.empty());
        Random r = new Random(7);
        long offset = 0;
        for (int segment = 0; segment < 4; segment++) { // several segments: term states are per segment
            List<LogRecord> docs = new ArrayList<>();
            for (int i = 0; i < 40; i++, offset++) {
                String json = "{\"name\": \"" + WORDS[r.nextInt(WORDS.length)] + " " + WORDS[r.nextInt(WORDS.length)] + "\", \"tag\": \"t"
                        + r.nextInt(3) + "\"}";
                docs.add(new LogRecord(0, offset, "d" + offset, json.getBytes(StandardCharsets.UTF_8), null, 0));
            }
            writer.apply(docs);
            writer.refresh();
        }
        PinnedSearchers pinned = new PinnedSearchers(writer.searchers(), 10_000, Clock.systemUTC());
        pinned.recordCurrent(writer.visibleCheckpoint());
        searcher = new ShardSearcher(writer.searchers(), pinned, new QueryFactory(SCHEMA), writer::quietForMs);
    }

    @AfterEach
    void close() throws Exception {
        writer.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"react", "react router", "alpha^2 beta", "+gamma -delta", "\"react router\"", "rea*", "name:beta OR tag:t1"})
    void answersAsTheTwoRoundPath(String text) throws Exception {
        ShardQueryRequest req = ShardQueryRequest.newBuilder().setQuery(text).setK(15)
                .addFilters(Filter.newBuilder().setField("tag").setTerms(TermsFilter.newBuilder().addValues("t0").addValues("t2"))).build();
        // statistics that differ from this shard's own, as the sum over several shards would
        var own = searcher.termStats(req);
        var global = own.toBuilder();
        global.getTermsBuilderList().forEach(t -> t.setDocFreq(t.getDocFreq() * 3 + 1).setTotalTermFreq(t.getTotalTermFreq() * 3 + 1));
        global.getFieldsBuilderList().forEach(f -> f.setDocCount(f.getDocCount() * 4).setMaxDoc(f.getMaxDoc() * 4)
                .setSumTotalTermFreq(f.getSumTotalTermFreq() * 5).setSumDocFreq(f.getSumDocFreq() * 4));
        ShardQueryResponse twoRounds = searcher.query(req.toBuilder().setSearcherVersion(own.getSearcherVersion()).setGlobalStats(global).build());
        ShardQueryResponse prepared;
        try (PreparedQuery p = searcher.prepare(searcher.parse(req))) {
            assertThat(p.stats()).isEqualTo(own.toBuilder().clearNewestForMs().build()); // the same statistics; the promise is of the moment
            prepared = searcher.query(req, p, GlobalStats.of(global.build()));
        }
        assertThat(prepared.getHitsCount()).isPositive();
        assertThat(prepared.getHitsList().stream().map(ShardHit::getId).toList())
                .isEqualTo(twoRounds.getHitsList().stream().map(ShardHit::getId).toList());
        assertThat(prepared.getHitsList().stream().map(ShardHit::getScore).toList())
                .isEqualTo(twoRounds.getHitsList().stream().map(ShardHit::getScore).toList());
        assertThat(prepared.getTotalHits()).isEqualTo(twoRounds.getTotalHits());
        assertThat(prepared.getSearcherVersion()).isEqualTo(own.getSearcherVersion());
    }

    @Test
    void termQueriesCarryTheStatesOfTheStatisticsPhase() throws Exception {
        ShardQueryRequest req = ShardQueryRequest.newBuilder().setQuery("react router").build();
        try (PreparedQuery p = searcher.prepare(searcher.parse(req))) {
            List<TermQuery> terms = new ArrayList<>();
            p.query().visit(new QueryVisitor() {
                @Override
                public void consumeTerms(Query q, org.apache.lucene.index.Term... ts) {
                    if (q instanceof TermQuery t) {
                        terms.add(t);
                    }
                }
            });
            // the scoring terms (the tombstone exclusion is not visited: it has no statistics)
            assertThat(terms).extracting(t -> t.getTerm().text()).containsExactlyInAnyOrder("react", "router");
            assertThat(terms).allSatisfy(t -> assertThat(t.getTermStates()).as(t.toString()).isNotNull());
        }
    }

    @Test
    void holdsItsSearcherUntilClosedOnce() throws Exception {
        ShardQueryRequest req = ShardQueryRequest.newBuilder().setQuery("react").build();
        IndexReader reader;
        int before;
        var s = writer.searchers().acquire();
        try {
            reader = s.getIndexReader();
            before = reader.getRefCount();
        } finally {
            writer.searchers().release(s);
        }
        before--; // the reference this test held while reading the count
        PreparedQuery p = searcher.prepare(searcher.parse(req));
        assertThat(reader.getRefCount()).isEqualTo(before + 1);
        p.close();
        p.close();
        assertThat(reader.getRefCount()).isEqualTo(before);
    }
}
