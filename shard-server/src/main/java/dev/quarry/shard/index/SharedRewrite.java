package dev.quarry.shard.index;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.lucene.index.MultiReader;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.automaton.ByteRunAutomaton;

/**
 * One rewrite of a query for every shard of a search, when the rewrite cannot depend on a shard's
 * index: a tree of boolean, boost and term queries, which is what plain words over the default
 * fields parse to. Lucene's rewrite of these only restructures the tree (flattens nested booleans,
 * folds boosts, drops duplicate filters) and never reads the index, so rewriting on an empty index
 * gives what every shard's searcher would. Any other query (prefix, wildcard, fuzzy, range,
 * phrase, match-all...) may expand against a shard's terms or points and is rewritten per shard.
 * A search over four shards rewrote the same query four times: 5% of a colocated search's CPU.
 * Thread-safety: stateless; the empty searcher is never searched.
 */
public final class SharedRewrite {
    private static final IndexSearcher NO_INDEX = emptySearcher();

    private SharedRewrite() {}

    /** {@code q} rewritten, when its rewrite is the same on every index; null when it has to be rewritten per shard. */
    public static Query of(Query q) {
        if (!readerIndependent(q)) {
            return null;
        }
        try {
            return NO_INDEX.rewrite(q);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // an empty reader has nothing to read
        }
    }

    private static IndexSearcher emptySearcher() {
        try {
            return new IndexSearcher(new MultiReader());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a reader of no readers opens nothing
        }
    }

    static boolean readerIndependent(Query q) {
        Check check = new Check();
        q.visit(check);
        return check.independent;
    }

    private static final class Check extends QueryVisitor {
        private boolean independent = true;

        @Override
        public QueryVisitor getSubVisitor(BooleanClause.Occur occur, Query parent) {
            if (!(parent instanceof BooleanQuery) && !(parent instanceof BoostQuery)) {
                independent = false;
            }
            return this;
        }

        @Override
        public void consumeTerms(Query query, Term... terms) {
            if (!(query instanceof TermQuery)) {
                independent = false;
            }
        }

        @Override
        public void consumeTermsMatching(Query query, String field, java.util.function.Supplier<ByteRunAutomaton> automaton) {
            independent = false;
        }

        @Override
        public void visitLeaf(Query query) {
            independent = false;
        }
    }
}
