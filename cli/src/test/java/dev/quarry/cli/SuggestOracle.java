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
 * ranked by weight desc, then text asc. When fewer than k match and the folded query has 4+ chars
 * (8+), the places left go to typo matches: texts with some prefix, from a word start, within 1 (2)
 * Levenshtein edits of the folded query (the first char may be edited too), ranked the same way among themselves.
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
        Comparator<Entry> ranking = Comparator.comparingLong((Entry e) -> -e.weight()).thenComparing(Entry::text);
        hits.sort(ranking);
        int maxEdits = fq.length() >= 8 ? 2 : fq.length() >= 4 ? 1 : 0;
        if (hits.size() < k && maxEdits > 0) {
            List<Entry> typos = new ArrayList<>();
            for (Entry e : entries.values()) {
                String ft = fold(e.text());
                if (!matches(ft, fq) && typoMatches(ft, fq, maxEdits)) {
                    typos.add(e);
                }
            }
            typos.sort(ranking);
            hits.addAll(typos);
        }
        return hits.subList(0, Math.min(k, hits.size()));
    }

    static boolean typoMatches(String text, String q, int maxEdits) {
        for (int i = 0; i < text.length(); i++) {
            boolean wordStart = i == 0 || !Character.isLetterOrDigit(text.charAt(i - 1));
            if (!wordStart) {
                continue;
            }
            String rest = text.substring(i, Math.min(text.length(), i + q.length() + maxEdits));
            int[] prev = new int[rest.length() + 1];
            for (int j = 0; j <= rest.length(); j++) {
                prev[j] = j;
            }
            for (int a = 1; a <= q.length(); a++) {
                int[] cur = new int[rest.length() + 1];
                cur[0] = a;
                for (int j = 1; j <= rest.length(); j++) {
                    cur[j] = Math.min(Math.min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + (q.charAt(a - 1) == rest.charAt(j - 1) ? 0 : 1));
                }
                prev = cur;
            }
            for (int d : prev) {
                if (d <= maxEdits) {
                    return true;
                }
            }
        }
        return false;
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
