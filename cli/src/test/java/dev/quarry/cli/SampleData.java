package dev.quarry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.ingest.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** The bundled 20,000-document npm sample (a slice of shared/datasets/npm-packages.jsonl.gz). */
final class SampleData {
    record Pkg(String id, String name, String description, long downloads, String line) {}

    private SampleData() {}

    static List<Pkg> load() throws IOException {
        List<Pkg> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(SampleData.class.getResourceAsStream("/sample/npm-packages-20k.jsonl.gz")), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                JsonNode n = Json.parse(line);
                out.add(new Pkg(n.get("id").asText(), n.get("name").asText(), n.get("description").asText(), n.get("downloads").asLong(), line));
            }
        }
        return out;
    }

    static String schema(int partitions, int shards, int replicas, int refreshMs) throws IOException {
        String s = new String(SampleData.class.getResourceAsStream("/sample/npm-schema.json").readAllBytes(), StandardCharsets.UTF_8);
        return s.replace("\"partitions\": 16, \"shards\": 4, \"replicas\": 2", "\"partitions\": " + partitions + ", \"shards\": " + shards + ", \"replicas\": " + replicas)
                .replace("\"refresh_interval_ms\": 1000", "\"refresh_interval_ms\": " + refreshMs);
    }
}
