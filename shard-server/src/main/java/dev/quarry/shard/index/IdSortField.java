package dev.quarry.shard.index;

import java.io.IOException;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.DocValuesType;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.search.FieldComparator;
import org.apache.lucene.search.FieldComparatorSource;
import org.apache.lucene.search.LeafFieldComparator;
import org.apache.lucene.search.Pruning;
import org.apache.lucene.search.Scorable;
import org.apache.lucene.search.SortField;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.BytesRefBuilder;

/**
 * The id tie-break of every sort: the same order as {@code new SortField(id, SortField.Type.STRING)}
 * (ascending by the id's sorted doc values, a document without one first), from a comparator that
 * copies a competitive hit's <em>ordinal</em> and reads its bytes only when they are needed: when
 * two hits of different segments are compared, when the queue's bottom or the search-after position
 * has to be found in another segment, and for the hits finally returned.
 *
 * <p>Lucene's {@code TermOrdValComparator} copies the id's bytes for every hit that enters the
 * queue, and each copy looks the ordinal up in the terms dictionary, which decompresses a block of
 * ids (LZ4) for a random ordinal. The id only breaks ties of the fields before it, yet a JFR profile
 * of {@code bench search} put these look-ups at about a tenth of the shard's CPU: with exact hit
 * counts, a shard's top-k queue takes in many hits before it settles. Here a hit entering the queue
 * costs an ordinal read.
 *
 * <p>The bytes of the hits finally returned come from a second field, the id as a binary doc value,
 * where a document has it: a direct read. Reading them by ordinal scans the id's block of the terms
 * dictionary up to the ordinal (prefix-decoding half a block on average), which the profile put at
 * 7% of a colocated search's CPU, for the k hits of each of four shards.
 *
 * <p>Thread-safety: like Lucene's comparators, one instance per collector, used by one thread.
 */
public final class IdSortField {
    private IdSortField() {}

    /** A sort field on {@code field} (a keyword field with sorted doc values), ascending. */
    public static SortField of(String field) {
        return of(field, null);
    }

    /**
     * {@link #of(String)}, reading the returned ids' bytes from {@code bytesField} (binary doc values
     * holding the same bytes as {@code field}) where a document has it, else by ordinal.
     */
    public static SortField of(String field, String bytesField) {
        return new SortField(field, new Source(bytesField));
    }

    /** Equal by value, so that sort fields on the same fields are equal. */
    private static final class Source extends FieldComparatorSource {
        private final String bytesField;

        Source(String bytesField) {
            this.bytesField = bytesField;
        }

        @Override
        public FieldComparator<?> newComparator(String field, int numHits, Pruning pruning, boolean reversed) {
            return new OrdinalComparator(field, bytesField, numHits);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Source other && java.util.Objects.equals(bytesField, other.bytesField);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hashCode(bytesField);
        }
    }

    /** Missing values sort first, as Lucene's string sort does by default; ordinal -1 stands for them. */
    static final class OrdinalComparator extends FieldComparator<BytesRef> implements LeafFieldComparator {
        private final String field;
        private final String bytesField;
        /** Per slot: the id's ordinal in the segment it was copied from, that segment's generation and doc values. */
        private final int[] ords;
        private final int[] gens;
        private final SortedDocValues[] slotValues;
        /** Per slot: the document, and its segment when that has {@code bytesField} (else null). */
        private final int[] docs;
        private final LeafReader[] bytesReaders;
        /** Per slot: the id's bytes once read (valid while {@code resolved[slot]}). */
        private final BytesRefBuilder[] bytes;
        private final boolean[] resolved;
        private SortedDocValues current;
        private LeafReader currentBytesReader;
        private int currentGen = -1;
        private int bottomSlot = -1;
        private int bottomOrd;
        private boolean bottomSameSegment;
        private BytesRef topValue;
        private int topOrd;
        private boolean topSameSegment;

        OrdinalComparator(String field, String bytesField, int numHits) {
            this.field = field;
            this.bytesField = bytesField;
            this.ords = new int[numHits];
            this.gens = new int[numHits];
            this.slotValues = new SortedDocValues[numHits];
            this.docs = new int[numHits];
            this.bytesReaders = new LeafReader[numHits];
            this.bytes = new BytesRefBuilder[numHits];
            this.resolved = new boolean[numHits];
        }

        @Override
        public LeafFieldComparator getLeafComparator(LeafReaderContext context) throws IOException {
            current = DocValues.getSorted(context.reader(), field);
            FieldInfo bytesInfo = bytesField == null ? null : context.reader().getFieldInfos().fieldInfo(bytesField);
            currentBytesReader = bytesInfo != null && bytesInfo.getDocValuesType() == DocValuesType.BINARY ? context.reader() : null;
            currentGen++;
            if (bottomSlot != -1) {
                setBottom(bottomSlot);
            }
            if (topValue != null) {
                int lookup = current.lookupTerm(topValue);
                topSameSegment = lookup >= 0;
                topOrd = position(lookup);
            } else {
                topSameSegment = true;
                topOrd = -1;
            }
            return this;
        }

        /** The ordinal {@code lookupTerm} found, or, when it found none, the last ordinal below the value. */
        private static int position(int lookup) {
            return lookup >= 0 ? lookup : -lookup - 2;
        }

        /**
         * A value at ordinal position {@code pos} of this segment (its own ordinal when {@code exact}, else
         * the ordinal just below it) against the document with ordinal {@code ord}, as {@code compare(value, doc)}.
         */
        private static int compareAt(int pos, boolean exact, int ord) {
            if (exact) {
                return Integer.compare(pos, ord);
            }
            return pos >= ord ? 1 : -1; // the value lies between two ordinals of this segment
        }

        private int ordOf(int doc) throws IOException {
            return current.advanceExact(doc) ? current.ordValue() : -1;
        }

        @Override
        public void copy(int slot, int doc) throws IOException {
            ords[slot] = ordOf(doc);
            gens[slot] = currentGen;
            slotValues[slot] = current;
            docs[slot] = doc;
            bytesReaders[slot] = currentBytesReader;
            resolved[slot] = false;
        }

        @Override
        public int compare(int slot1, int slot2) {
            if (gens[slot1] == gens[slot2]) {
                return Integer.compare(ords[slot1], ords[slot2]);
            }
            return compareValues(value(slot1), value(slot2));
        }

        @Override
        public void setBottom(int slot) throws IOException {
            bottomSlot = slot;
            if (gens[slot] == currentGen) {
                bottomOrd = ords[slot];
                bottomSameSegment = true;
                return;
            }
            BytesRef v = value(slot);
            if (v == null) {
                bottomOrd = -1;
                bottomSameSegment = true;
                return;
            }
            int lookup = current.lookupTerm(v);
            bottomSameSegment = lookup >= 0;
            bottomOrd = position(lookup);
        }

        @Override
        public int compareBottom(int doc) throws IOException {
            return compareAt(bottomOrd, bottomSameSegment, ordOf(doc));
        }

        @Override
        public void setTopValue(BytesRef value) {
            topValue = value;
        }

        @Override
        public int compareTop(int doc) throws IOException {
            return compareAt(topOrd, topSameSegment, ordOf(doc));
        }

        @Override
        public BytesRef value(int slot) {
            if (ords[slot] == -1) {
                return null;
            }
            if (!resolved[slot]) {
                try {
                    resolve(bytesReaders[slot]);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            return bytes[slot].get();
        }

        /**
         * Reads the id of every unresolved slot whose document is in {@code reader} (null: the slots whose
         * segment lacks the bytes field), in document order through one doc-values iterator. The collector
         * asks for the values in rank order, one slot at a time, and a fresh iterator per slot opened a
         * slice of the segment's files each time; the slots of a page all come from a few segments.
         * A document without the bytes field is read by ordinal.
         */
        private void resolve(LeafReader reader) throws IOException {
            long[] byDoc = new long[ords.length];
            int n = 0;
            for (int s = 0; s < ords.length; s++) {
                if (!resolved[s] && ords[s] != -1 && slotValues[s] != null && bytesReaders[s] == reader) {
                    byDoc[n++] = ((long) docs[s] << 32) | s;
                }
            }
            java.util.Arrays.sort(byDoc, 0, n); // doc values iterate forward only
            BinaryDocValues direct = reader == null ? null : reader.getBinaryDocValues(bytesField);
            for (int i = 0; i < n; i++) {
                int s = (int) byDoc[i];
                BytesRef v = direct != null && direct.advanceExact(docs[s]) ? direct.binaryValue() : slotValues[s].lookupOrd(ords[s]);
                if (bytes[s] == null) {
                    bytes[s] = new BytesRefBuilder();
                }
                bytes[s].copyBytes(v);
                resolved[s] = true;
            }
        }

        @Override
        public int compareValues(BytesRef a, BytesRef b) {
            if (a == null) {
                return b == null ? 0 : -1;
            }
            return b == null ? 1 : a.compareTo(b);
        }

        @Override
        public void setScorer(Scorable scorer) {}
    }
}
