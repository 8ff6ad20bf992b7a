package dev.quarry.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.util.JsonFormat;
import dev.quarry.ingest.json.Json;
import dev.quarry.proto.v1.Hit;
import dev.quarry.proto.v1.SearchRequest;
import dev.quarry.proto.v1.SearchResponse;
import dev.quarry.proto.v1.SearchServiceGrpc;
import io.grpc.ManagedChannel;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import dev.quarry.proto.v1.Scoring;
import dev.quarry.proto.v1.SortField;
import java.util.List;
import picocli.CommandLine.Parameters;

@Command(name = "search", mixinStandardHelpOptions = true,
        description = "Search an index through the coordinator and print the hits (Lucene query syntax over the schema's default fields).")
public final class SearchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "QUERY", description = "e.g. 'react router' or 'name:lodash OR description:\"deep clone\"'")
    String query;

    @Option(names = "--index", required = true, description = "index to search")
    String index;

    @Option(names = {"-k", "--size"}, defaultValue = "10", description = "hits per page (default ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--cursor", description = "continue from a previous page's cursor")
    String cursor;

    @Option(names = "--sort", paramLabel = "FIELD[:asc|desc]", split = ",",
            description = "sort by keyword, long, double or boolean fields (or _score), e.g. downloads:desc; the id breaks ties (default: score desc)")
    List<String> sort = List.of();

    @Option(names = "--local-scoring", description = "score with each shard's own statistics (cheaper; ranking may differ slightly from one index)")
    boolean localScoring;

    @Option(names = "--allow-partial", description = "return what the healthy shards answered when some fail or are late")
    boolean allowPartial;

    @Option(names = "--json", description = "print the raw response as JSON")
    boolean json;

    @Option(names = "--timeout-ms", defaultValue = "10000", description = "deadline (default ${DEFAULT-VALUE} ms)")
    long timeoutMs;

    @Mixin
    Endpoints endpoints;

    @Override
    public Integer call() throws Exception {
        ManagedChannel ch = Grpc.channel(endpoints.coordinator);
        try {
            SearchRequest.Builder req = SearchRequest.newBuilder().setIndex(index).setQuery(query).setK(k);
            if (cursor != null) {
                req.setCursor(cursor);
            }
            for (String spec : sort) {
                String[] parts = spec.split(":", 2);
                if (parts[0].isBlank() || parts.length == 2 && !parts[1].equals("asc") && !parts[1].equals("desc")) {
                    throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--sort: expected FIELD[:asc|desc], got '" + spec + "'");
                }
                req.addSort(SortField.newBuilder().setField(parts[0]).setDescending(parts.length == 2 && parts[1].equals("desc")));
            }
            req.setScoring(localScoring ? Scoring.LOCAL : Scoring.GLOBAL).setAllowPartial(allowPartial);
            SearchResponse r = SearchServiceGrpc.newBlockingStub(ch).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).search(req.build());
            if (json) {
                System.out.println(JsonFormat.printer().print(r));
                return 0;
            }
            System.out.printf("%d hits%s in %.1f ms%n", r.getTotalHits(), r.getTotalHitsRelationValue() == 1 ? "+" : "", r.getTookMicros() / 1000.0);
            int i = 0;
            for (Hit h : r.getHitsList()) {
                System.out.printf("%3d. %-40s %8.3f  %s%n", ++i, h.getId(), h.getScore(), summary(h.getSourceJson()));
            }
            r.getShardFailuresList().forEach(f -> System.out.println("shard " + f.getShard() + " failed: " + f.getReason()));
            r.getSnapshotMovesList().forEach(m -> System.out.println("shard " + m.getShard() + " continued on " + m.getToNode()
                    + " (the pinned snapshot on " + m.getFromNode() + " is gone: " + m.getReason() + ")"));
            if (!r.getNextCursor().isEmpty()) {
                System.out.println("next page: --cursor " + r.getNextCursor());
            }
            return 0;
        } finally {
            ch.shutdownNow();
        }
    }

    private static String summary(String source) {
        try {
            JsonNode n = Json.parse(source);
            JsonNode d = n.get("description");
            String s = d == null ? source : d.asText();
            return s.length() > 70 ? s.substring(0, 67) + "..." : s;
        } catch (Exception e) {
            return source;
        }
    }
}
