package dev.quarry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.common.merge.TopKMerger;
import dev.quarry.common.scoring.ScoringStatsSum;
import dev.quarry.ingest.apply.LogRecord;
import dev.quarry.ingest.json.Json;
import dev.quarry.ingest.schema.IndexSchema;
import dev.quarry.proto.v1.LocalShardResult;
import dev.quarry.proto.v1.ScoringStats;
import dev.quarry.proto.v1.ShardHit;
import dev.quarry.proto.v1.ShardQueryRequest;
import dev.quarry.shard.index.PinnedSearchers;
import dev.quarry.shard.index.QueryFactory;
import dev.quarry.shard.index.ShardSearcher;
import dev.quarry.shard.index.ShardWriter;
import dev.quarry.shard.rpc.LocalSearch;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * GLOBAL scoring on random small corpora split over a random number of shards: the shards' summed
 * statistics, each shard's scorer and the coordinator's merge give the ids, in order, and the
 * scores of one Lucene index holding every document (built independently by {@link ReferenceIndex}).
 */
class GlobalScoringPropertyTest {
    private static final IndexSchema SCHEMA = IndexSchema.parse("""
            {"fields": {"id": {"type": "keyword"}, "name": {"type": "text"}, "description": {"type": "text"}},
             "default_fields": ["name", "description"], "refresh_interval_ms": 10}""");
    private static final String[] WORDS = {"react", "router", "http", "client", "server", "fast", "json", "parser", "tiny", "util",
            "cli", "color", "test", "mock", "async", "stream"};

    @Property(tries = 60)
    void shardsScoreAsOneIndex(@ForAll @IntRange(min = 1, max = 6) int shards, @ForAll @IntRange(min = 1, max = 300) int docs,
                               @ForAll long seed) throws Exception {
        Random r = new Random(seed);
        List<SampleData.Pkg> corpus = new ArrayList<>();
        List<List<LogRecord>> perShard = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            perShard.add(new ArrayList<>());
        }
        for (int i = 0; i < docs; i++) {
            String id = "p" + i;
            String name = words(r, 1 + r.nextInt(3));
            String description = words(r, r.nextInt(12));
            ObjectNode doc = Json.MAPPER.createObjectNode().put("id", id).put("name", name).put("description", description);
            corpus.add(new SampleData.Pkg(id, name, description, 0, Json.write(doc)));
            List<LogRecord> shard = perShard.get(r.nextInt(shards));
            shard.add(new LogRecord(0, shard.size(), id, Json.write(doc).getBytes(StandardCharsets.UTF_8), null, 0));
        }
        List<ShardWriter> writers = new ArrayList<>();
        List<ShardSearcher> searchers = new ArrayList<>();
        try (ReferenceIndex oracle = new ReferenceIndex(corpus); ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (List<LogRecord> recs : perShard) {
                ShardWriter w = new ShardWriter("s", SCHEMA, new ByteBuffersDirectory(), Clock.systemUTC(), 1_000_000, 600_000, dl -> { },
                        new SimpleMeterRegistry(), Tags.empty());
                writers.add(w);
                w.apply(recs);
                w.refresh();
                PinnedSearchers pinned = new PinnedSearchers(w.searchers(), 10_000, Clock.systemUTC());
                pinned.recordCurrent(w.visibleCheckpoint());
                searchers.add(new ShardSearcher(w.searchers(), pinned, new QueryFactory(SCHEMA), w::quietForMs));
            }
            List<LocalSearch.Member> members = new ArrayList<>();
            for (int i = 0; i < searchers.size(); i++) {
                members.add(new LocalSearch.Member(i, searchers.get(i)));
            }
            LocalSearch localSearch = new LocalSearch(threads);
            for (int q = 0; q < 10; q++) {
                String query = r.nextInt(4) == 0 ? "name:" + WORDS[r.nextInt(WORDS.length)] + " " + words(r, 1) : words(r, 1 + r.nextInt(3));
                int k = 1 + r.nextInt(20);
                ShardQueryRequest req = ShardQueryRequest.newBuilder().setQuery(query).setK(k).build();
                List<ScoringStats> stats = new ArrayList<>();
                for (ShardSearcher s : searchers) {
                    stats.add(s.termStats(req));
                }
                ShardQueryRequest global = req.toBuilder().setGlobalStats(ScoringStatsSum.sum(stats)).build();
                List<List<ShardHit>> lists = new ArrayList<>();
                for (ShardSearcher s : searchers) {
                    lists.add(s.query(global).getHitsList());
                }
                List<ReferenceIndex.Scored> want = oracle.topScored(query, k);
                assertRanksAsOracle(query, TopKMerger.merge(lists, k), want);
                // the colocated path (SearchLocal): both phases over all shards in one call
                List<List<ShardHit>> local = new ArrayList<>();
                for (LocalShardResult res : localSearch.search(members, req, true, TimeUnit.SECONDS.toNanos(30), shard -> { })) {
                    assertThat(res.getStatusCode()).as(res.getStatusMessage()).isZero();
                    local.add(res.getResponse().getHitsList());
                }
                assertRanksAsOracle(query + " (SearchLocal)", TopKMerger.merge(local, k), want);
            }
        } finally {
            for (ShardWriter w : writers) {
                w.close();
            }
        }
    }

    private static void assertRanksAsOracle(String query, List<ShardHit> merged, List<ReferenceIndex.Scored> want) {
        assertThat(merged.stream().map(ShardHit::getId).toList()).as(query).isEqualTo(want.stream().map(ReferenceIndex.Scored::id).toList());
        for (int i = 0; i < want.size(); i++) {
            float w = want.get(i).score();
            assertThat(merged.get(i).getScore()).as(query + " #" + i).isCloseTo(w, within(Math.abs(w) * 1e-5f));
        }
    }

    private static String words(Random r, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
        }
        return b.toString();
    }
}
