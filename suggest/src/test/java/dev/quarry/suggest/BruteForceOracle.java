package dev.quarry.suggest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;

/**
 * INTERFACES.md "Suggest HTTP", implemented literally and slowly, sharing no code with the index:
 * build the entries from the live documents, fold, try every position of every text, sort, cut.
 */
public final class BruteForceOracle {

  /** A live document: its suggestion texts and weight. */
  public record Doc(List<String> texts, long weight) {}

  private static final Comparator<Suggestion> WEIGHT_DESC_TEXT_ASC =
      (a, b) -> a.weight() != b.weight() ? Long.compare(b.weight(), a.weight()) : a.text().compareTo(b.text());

  private BruteForceOracle() {}

  /** The top {@code k} suggestions for {@code q} over {@code docs} (docId → document). */
  public static List<Suggestion> lookup(Map<String, Doc> docs, String q, int k) {
    return of(docs).lookup(q, k);
  }

  /** Entries of {@code docs} with their folded texts, for many queries over one corpus. */
  public static Corpus of(Map<String, Doc> docs) {
    List<Suggestion> entries = new ArrayList<>(entries(docs).values());
    List<String> folded = new ArrayList<>(entries.size());
    entries.forEach(e -> folded.add(fold(e.text())));
    return new Corpus(entries, folded);
  }

  /** Entries and their folded texts (same order). */
  public record Corpus(List<Suggestion> entries, List<String> foldedTexts) {

    /**
     * Scans every entry: fold q, test every position, sort, cut at k; then, if places are left and
     * q is long enough, the same over the typo matches that are not exact matches.
     */
    public List<Suggestion> lookup(String q, int k) {
      String fq = fold(q);
      if (fq.isEmpty()) {
        return List.of();
      }
      List<Suggestion> hits = new ArrayList<>();
      List<Suggestion> typos = new ArrayList<>();
      int maxEdits = fq.length() >= 8 ? 2 : fq.length() >= 4 ? 1 : 0;
      for (int i = 0; i < entries.size(); i++) {
        if (matches(foldedTexts.get(i), fq)) {
          hits.add(entries.get(i));
        }
      }
      for (int i = 0; i < entries.size() && hits.size() < k && maxEdits > 0; i++) {
        if (!matches(foldedTexts.get(i), fq) && typoMatches(foldedTexts.get(i), fq, maxEdits)) {
          typos.add(entries.get(i));
        }
      }
      hits.sort(WEIGHT_DESC_TEXT_ASC);
      typos.sort(WEIGHT_DESC_TEXT_ASC);
      hits.addAll(typos);
      return List.copyOf(hits.subList(0, Math.min(k, hits.size())));
    }
  }

  /** One entry per distinct text: the heaviest carrier, smallest id on a tie. */
  public static Map<String, Suggestion> entries(Map<String, Doc> docs) {
    Map<String, Suggestion> entries = new HashMap<>();
    docs.forEach(
        (id, doc) -> {
          for (String text : new LinkedHashSet<>(doc.texts())) {
            if (text == null || text.isEmpty()) {
              continue;
            }
            Suggestion candidate = new Suggestion(text, doc.weight(), id);
            entries.merge(
                text,
                candidate,
                (a, b) -> {
                  if (a.weight() != b.weight()) {
                    return a.weight() > b.weight() ? a : b;
                  }
                  return a.id().compareTo(b.id()) <= 0 ? a : b;
                });
          }
        });
    return entries;
  }

  /** Lower case (root locale), then Lucene's ASCII folding. */
  public static String fold(String s) {
    char[] lower = s.toLowerCase(Locale.ROOT).toCharArray();
    char[] out = new char[lower.length * 4 + 4];
    int n = ASCIIFoldingFilter.foldToASCII(lower, 0, out, 0, lower.length);
    return new String(out, 0, n);
  }

  /**
   * Some prefix of the folded text, taken from position 0 or a word start, is within {@code
   * maxEdits} Levenshtein edits (insert, delete, substitute one char; any char, the first one
   * included) of the folded q: every start, every end, a full distance table.
   */
  static boolean typoMatches(String foldedText, String foldedQuery, int maxEdits) {
    for (int i = 0; i < foldedText.length(); i++) {
      if (!isStart(foldedText, i)) {
        continue;
      }
      // Row a.length() of the full table holds the distance from q to every prefix of the rest.
      int end = Math.min(foldedText.length(), i + foldedQuery.length() + maxEdits);
      int[] last = lastRow(foldedQuery, foldedText.substring(i, end));
      for (int distance : last) {
        if (distance <= maxEdits) {
          return true;
        }
      }
    }
    return false;
  }

  /** d[a.length()][j] for every j: the edit distance from a to each prefix b[0..j). */
  static int[] lastRow(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int sub = d[i - 1][j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        d[i][j] = Math.min(sub, Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1));
      }
    }
    return d[a.length()];
  }

  private static boolean isStart(String foldedText, int i) {
    return i == 0
        || (!(Character.isLowSurrogate(foldedText.charAt(i)) && Character.isHighSurrogate(foldedText.charAt(i - 1)))
            && !Character.isLetterOrDigit(foldedText.codePointBefore(i)));
  }

  /** The folded text, from position 0 or from the start of any word, starts with the folded q. */
  static boolean matches(String foldedText, String foldedQuery) {
    for (int i = 0; i < foldedText.length(); i++) {
      boolean wordStart = isStart(foldedText, i);
      if (wordStart && foldedText.startsWith(foldedQuery, i)) {
        return true;
      }
    }
    return false;
  }
}
