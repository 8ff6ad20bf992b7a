package dev.quarry.shard.replica;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.SegmentCommitInfo;
import org.apache.lucene.index.SegmentReader;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlushCachingDirectoryTest {
    @Test
    void keepsFlushedSegmentsInMemoryButWritesMergedOnesToFiles(@TempDir Path dir) throws Exception {
        try (FlushCachingDirectory d = new FlushCachingDirectory(FSDirectory.open(dir), 4, 48);
             IndexWriter w = new IndexWriter(d, new IndexWriterConfig(new StandardAnalyzer()).setUseCompoundFile(false)
                     .setMergePolicy(NoMergePolicy.INSTANCE))) {
            for (int seg = 0; seg < 3; seg++) {
                for (int i = 0; i < 50; i++) {
                    Document doc = new Document();
                    doc.add(new TextField("body", "document " + seg + " " + i, Field.Store.YES));
                    w.addDocument(doc);
                }
                DirectoryReader.open(w).close(); // an NRT refresh: flushes a segment
            }
            Set<String> flushed = new HashSet<>(Arrays.asList(d.listCachedFiles()));
            assertThat(flushed).as("the flushed segments' files are in memory").isNotEmpty().allMatch(f -> f.startsWith("_"));

            w.getConfig().setMergePolicy(new org.apache.lucene.index.TieredMergePolicy());
            w.forceMerge(1);
            // before any commit (a commit writes every cached file out): what the next NRT reader opens
            try (DirectoryReader r = DirectoryReader.open(w)) {
                assertThat(r.leaves()).hasSize(1);
                SegmentCommitInfo merged = ((SegmentReader) r.leaves().get(0).reader()).getSegmentInfo();
                assertThat(merged.files()).as("the merged segment's files").isNotEmpty();
                assertThat(Arrays.asList(d.listCachedFiles())).as("cached after the merge").doesNotContainAnyElementsOf(merged.files());
                assertThat(Arrays.asList(FSDirectory.listAll(dir))).as("on disk").containsAll(merged.files());
            }
        }
    }
}
