package dev.quarry.shard.index;

import com.google.protobuf.ByteString;
import dev.quarry.proto.v1.ShardHit;
import dev.quarry.proto.v1.ShardQueryResponse;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.search.ScoreDoc;

/**
 * One shard's page after its query phase, before any source is read: the hits in order with id,
 * score and sort values, and the totals. {@link #withSources} reads the sources of a prefix of the
 * hits (a node that merges several shards' pages first reads only the hits that made the merged
 * page), from the searcher the page came from, which the caller still holds.
 * Thread-safety: immutable; {@link #withSources} may be called from any thread while the searcher is held.
 */
public final class RankedPage {
    private final ShardQueryResponse header;
    private final List<ShardHit> hits;
    private final ScoreDoc[] docs;
    private final IndexReader reader;
    private final StoredFields stored;
    private final Set<String> fields;
    private final int k;

    RankedPage(ShardQueryResponse header, List<ShardHit> hits, ScoreDoc[] docs, IndexReader reader, StoredFields stored, Set<String> fields,
               int k) {
        this.header = header;
        this.hits = List.copyOf(hits);
        this.docs = docs;
        this.reader = reader;
        this.stored = stored;
        this.fields = fields;
        this.k = k;
    }

    /** The hits in the request's order, without their sources. */
    public List<ShardHit> hits() {
        return hits;
    }

    /** How many hits the page asked for. */
    public int k() {
        return k;
    }

    /** The answer with the first {@code n} hits (all when {@code n} is larger), their sources read. */
    public ShardQueryResponse withSources(int n) throws IOException {
        int keep = Math.min(n, docs.length);
        ByteString[] sources = HitLoader.sources(reader, Arrays.copyOf(docs, keep), stored);
        ShardQueryResponse.Builder out = header.toBuilder();
        for (int i = 0; i < keep; i++) {
            ShardHit.Builder hit = hits.get(i).toBuilder(); // the id came with the sort values
            out.addHits(fields == null ? hit.setSourceJsonBytes(sources[i]) : hit.setSourceJson(ShardSearcher.filterSource(sources[i].toStringUtf8(), fields)));
        }
        return out.build();
    }
}
