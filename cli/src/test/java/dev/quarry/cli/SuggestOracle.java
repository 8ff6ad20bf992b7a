package dev.quarry.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;

/**
 * Brute-force typeahead under INTERFACES.md's rules, written independently of the suggest module:
 * one entry per distinct text (max weight over its documents, smallest id on a tie); a text matches
 * when its folded form, from the start or from the start of any word, starts with the folded query;
 * ranked by weight desc, then text asc.
 */
final class SuggestOracle {
    record Entry(String text, long weight, String id) {}

    private final Map<String, Entry> entries = new HashMap<>();

    void add(String text, long weight, String id) {
        entries.merge(text, new Entry(text, weight, id), (a, b) ->
                a.weight() != b.weight() ? (a.weight() > b.weight() ? a : b) : (a.id().compareTo(b.id()) <= 0 ? a : b));
    }

    List<Entry> top(String q, int k) {
        String fq = fold(q);
        List<Entry> hits = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (matches(fold(e.text()), fq)) {
                hits.add(e);
            }
        }
        hits.sort(Comparator.comparingLong((Entry e) -> -e.weight()).thenComparing(Entry::text));
        return hits.subList(0, Math.min(k, hits.size()));
    }

    static boolean matches(String text, String q) {
        for (int i = 0; i < text.length(); i++) {
            boolean wordStart = i == 0 || !Character.isLetterOrDigit(text.charAt(i - 1));
            if (wordStart && text.startsWith(q, i)) {
                return true;
            }
        }
        return false;
    }

    static String fold(String s) {
        char[] in = s.toLowerCase(Locale.ROOT).toCharArray();
        char[] out = new char[in.length * 4];
        int n = ASCIIFoldingFilter.foldToASCII(in, 0, out, 0, in.length);
        return new String(out, 0, n);
    }
}
