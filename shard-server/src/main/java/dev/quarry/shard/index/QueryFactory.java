package dev.quarry.shard.index;

import dev.quarry.ingest.schema.FieldType;
import dev.quarry.ingest.schema.IndexSchema;
import dev.quarry.proto.v1.Filter;
import dev.quarry.proto.v1.RangeFilter;
import dev.quarry.shard.error.ShardException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.core.KeywordAnalyzer;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.index.Term;
import org.apache.lucene.queryparser.classic.MultiFieldQueryParser;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;

/**
 * Builds Lucene queries with the reference semantics: classic query syntax, a
 * {@link MultiFieldQueryParser} over the schema's default fields, default operator OR, text fields
 * analyzed with {@link StandardAnalyzer} and keyword fields taken verbatim; filters as
 * non-scoring clauses. Thread-safety: immutable (a parser is made per call; parsers are not
 * thread-safe).
 */
public final class QueryFactory {
    /** Bounds the work one hostile query can ask for (e.g. {@code a* OR b* OR ...}). */
    private static final int MAX_QUERY_CHARS = 4096;

    private final IndexSchema schema;
    private final Analyzer analyzer;
    private final String[] defaultFields;

    public QueryFactory(IndexSchema schema) {
        this.schema = schema;
        Map<String, Analyzer> perField = new HashMap<>();
        schema.fields().forEach((name, type) -> {
            if (type != FieldType.TEXT) {
                perField.put(name, new KeywordAnalyzer());
            }
        });
        this.analyzer = new PerFieldAnalyzerWrapper(new StandardAnalyzer(), perField);
        this.defaultFields = schema.defaultFields().toArray(String[]::new);
    }

    public IndexSchema schema() {
        return schema;
    }

    /** Matches tombstones, which every query excludes. */
    public static final Query TOMBSTONES = new TermQuery(new Term(FieldNames.TOMBSTONE, "T"));

    public Query build(String queryText, List<Filter> filters) {
        Query main = parse(queryText);
        BooleanQuery.Builder b = new BooleanQuery.Builder()
                .add(main, BooleanClause.Occur.MUST)
                .add(TOMBSTONES, BooleanClause.Occur.MUST_NOT);
        for (Filter f : filters) {
            b.add(filter(f), BooleanClause.Occur.FILTER);
        }
        return b.build();
    }

    private Query parse(String text) {
        if (text == null || text.isBlank() || text.equals("*") || text.equals("*:*")) {
            return new MatchAllDocsQuery();
        }
        if (text.length() > MAX_QUERY_CHARS) {
            throw new ShardException(ShardException.Kind.INVALID_ARGUMENT, "query longer than " + MAX_QUERY_CHARS + " characters");
        }
        MultiFieldQueryParser p = new MultiFieldQueryParser(defaultFields, analyzer);
        p.setDefaultOperator(QueryParser.Operator.OR);
        try {
            return p.parse(text);
        } catch (ParseException | IllegalArgumentException e) {
            throw new ShardException(ShardException.Kind.INVALID_ARGUMENT, "cannot parse query: " + firstLine(e.getMessage()));
        } catch (org.apache.lucene.search.IndexSearcher.TooManyClauses e) {
            throw new ShardException(ShardException.Kind.INVALID_ARGUMENT, "query expands to too many clauses");
        }
    }

    private Query filter(Filter f) {
        FieldType type = schema.fields().get(f.getField());
        if (type == null) {
            throw new ShardException(ShardException.Kind.INVALID_ARGUMENT, "filter on unknown field '" + f.getField() + "'");
        }
        return switch (f.getKindCase()) {
            case TERMS -> {
                if (type != FieldType.KEYWORD) {
                    throw new ShardException(ShardException.Kind.INVALID_ARGUMENT, "terms filter needs a keyword field; '" + f.getField() + "' is " + type.jsonName());
                }
                List<BytesRef> values = f.getTerms().getValuesList().stream().map(BytesRef::new).toList();
                yield values.size() == 1 ? new TermQuery(new Term(f.getField(), values.get(0))) : new TermInSetQuery(f.getField(), values);
            }
            case BOOL_VALUE -> {
                if (type != FieldType.BOOLEAN) {
                    throw new ShardException(ShardException.Kind.INVALID_ARGUMENT, "boolean filter needs a boolean field; '" + f.getField() + "' is " + type.jsonName());
                }
                yield new TermQuery(new Term(f.getField(), Boolean.toString(f.getBoolValue())));
            }
            case RANGE -> range(f.getField(), type, f.getRange());
            case KIND_NOT_SET -> throw new ShardException(ShardException.Kind.INVALID_ARGUMENT, "filter on '" + f.getField() + "' has no condition");
        };
    }

    private static Query range(String field, FieldType type, RangeFilter r) {
        if (type == FieldType.LONG) {
            long lo = Long.MIN_VALUE;
            long hi = Long.MAX_VALUE;
            if (r.hasGte()) lo = (long) Math.ceil(r.getGte());
            if (r.hasGt()) lo = Math.max(lo, (long) Math.floor(r.getGt()) + 1);
            if (r.hasLte()) hi = (long) Math.floor(r.getLte());
            if (r.hasLt()) hi = Math.min(hi, (long) Math.ceil(r.getLt()) - 1);
            return LongPoint.newRangeQuery(field, lo, hi);
        }
        if (type == FieldType.DOUBLE) {
            double lo = Double.NEGATIVE_INFINITY;
            double hi = Double.POSITIVE_INFINITY;
            if (r.hasGte()) lo = r.getGte();
            if (r.hasGt()) lo = Math.max(lo, Math.nextUp(r.getGt()));
            if (r.hasLte()) hi = r.getLte();
            if (r.hasLt()) hi = Math.min(hi, Math.nextDown(r.getLt()));
            return DoublePoint.newRangeQuery(field, lo, hi);
        }
        throw new ShardException(ShardException.Kind.INVALID_ARGUMENT, "range filter needs a long or double field; '" + field + "' is " + type.jsonName());
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) : line;
    }
}
