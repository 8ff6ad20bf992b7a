package dev.quarry.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Both ways of querying the baseline answer the same pages: the second differs in how it reads, not in what. */
class LuceneBaselineTest {
    @Test
    void stockAndTunedReadsGiveTheSamePages() throws Exception {
        List<String> lines = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        String[] words = {"react", "router", "vue", "parser", "json", "http", "server", "cli", "test", "util"};
        for (int i = 0; i < 2000; i++) {
            // many equal scores, so the id tie-break decides the order
            String name = words[i % words.length] + "-" + words[(i / 10) % words.length];
            String description = words[(i * 7) % words.length] + " " + words[(i * 3) % words.length];
            lines.add("{\"id\":\"pkg-" + (i * 7919 % 2000) + "\",\"name\":\"" + name + "\",\"description\":\"" + description + "\"}");
            texts.add(name + " " + description);
        }
        try (LuceneBaseline lucene = new LuceneBaseline(lines)) {
            for (String q : QueryGenerator.generate(texts, 200, 7)) {
                LuceneBaseline.Page stock = lucene.search(q, 10, 0);
                LuceneBaseline.Page tuned = lucene.searchTuned(q, 10, 0);
                assertThat(tuned).as(q).isEqualTo(stock);
            }
            assertThat(lucene.search("react", 10, 0).ids()).hasSize(10);
        }
    }
}
