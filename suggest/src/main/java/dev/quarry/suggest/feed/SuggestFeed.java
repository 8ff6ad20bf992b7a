package dev.quarry.suggest.feed;

import dev.quarry.ingest.apply.LogRecord;
import dev.quarry.ingest.apply.RecordApplier;
import dev.quarry.ingest.doc.BadRecordException;
import dev.quarry.ingest.doc.Document;
import dev.quarry.ingest.doc.DocumentParser;
import dev.quarry.ingest.schema.IndexSchema;
import dev.quarry.ingest.schema.SuggestConfig;
import dev.quarry.suggest.SuggestIndex;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds an index's document log into its {@link SuggestIndex}: an upsert contributes the values of
 * the schema's {@code suggest.input} fields with the document's weight (0 when absent), a tombstone
 * removes the document's contribution, and a record that is not a valid document is skipped exactly
 * as the shard servers skip it (the document keeps its previous state).
 *
 * <p>Resuming: {@link #nextOffsets()} starts as the index's watermark, which is the persisted
 * snapshot's offset vector after a restore, so the apply loop replays only what followed it.
 *
 * <p>Thread-safety: called only from its apply loop's thread; the {@code applied} map is confined to it.
 */
public final class SuggestFeed implements RecordApplier {
    private static final Logger log = LoggerFactory.getLogger(SuggestFeed.class);

    private final SuggestIndex index;
    private final DocumentParser parser;
    private final SuggestConfig suggest;
    private final Map<Integer, Long> applied = new HashMap<>();
    private long skipped;

    public SuggestFeed(SuggestIndex index, IndexSchema schema) {
        this.index = index;
        this.parser = new DocumentParser(schema);
        this.suggest = schema.suggest().orElseThrow(() -> new IllegalArgumentException("index " + index.name() + " has no suggest config"));
        // Resume where the index's restored snapshot left off (empty for a fresh index).
        applied.putAll(index.watermark().offsets());
    }

    @Override
    public void apply(List<LogRecord> batch) {
        for (LogRecord r : batch) {
            Long next = applied.get(r.partition());
            if (next != null && r.offset() < next) {
                continue;
            }
            applyOne(r);
            applied.put(r.partition(), r.offset() + 1);
        }
        index.setWatermark(Map.copyOf(applied));
    }

    private void applyOne(LogRecord r) {
        if (r.id() == null || r.id().isEmpty()) {
            skipped++;
            return;
        }
        if (r.isDelete()) {
            index.delete(r.id());
            return;
        }
        Document doc;
        try {
            doc = parser.parse(r.id(), r.value());
        } catch (BadRecordException e) {
            skipped++;
            log.debug("[suggest {}] skipped {}@{}: {}", index.name(), r.partition(), r.offset(), e.getMessage());
            return;
        }
        List<String> texts = new ArrayList<>();
        for (String field : suggest.input()) {
            for (Object v : doc.get(field)) {
                texts.add((String) v);
            }
        }
        long weight = suggest.weight().map(w -> doc.get(w).stream().mapToLong(v -> (Long) v).max().orElse(0L)).orElse(0L);
        index.upsert(r.id(), texts, weight);
    }

    @Override
    public Map<Integer, Long> nextOffsets() {
        return Map.copyOf(applied);
    }

    /** Records skipped as invalid (loop thread only, or after the loop stopped). */
    public long skipped() {
        return skipped;
    }
}
