package dev.quarry.cli.bench;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * Generated queries from a corpus's own words: single terms, pairs (OR), and field-qualified
 * terms, in equal parts — the same mix the end-to-end test checks against the oracle.
 */
public final class QueryGenerator {
    private QueryGenerator() {}

    /** {@code n} distinct queries drawn from {@code texts} with a seeded random. */
    public static List<String> generate(List<String> texts, int n, long seed) {
        Random r = new Random(seed);
        Set<String> out = new LinkedHashSet<>();
        int attempts = 0;
        while (out.size() < n && attempts++ < n * 50) {
            String text = texts.get(r.nextInt(texts.size()));
            List<String> words = new ArrayList<>();
            for (String w : text.toLowerCase(Locale.ROOT).split("[^a-z0-9]+")) {
                if (w.length() >= 3) {
                    words.add(w);
                }
            }
            if (words.isEmpty()) {
                continue;
            }
            String a = words.get(r.nextInt(words.size()));
            String b = words.get(r.nextInt(words.size()));
            switch (r.nextInt(3)) {
                case 0 -> out.add(a);
                case 1 -> out.add(a + " " + b);
                default -> out.add("name:" + a + " " + b);
            }
        }
        return List.copyOf(out);
    }
}
