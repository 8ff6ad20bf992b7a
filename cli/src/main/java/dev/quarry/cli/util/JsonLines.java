package dev.quarry.cli.util;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Reading JSON-lines input, plain or gzip-compressed (detected by its magic bytes). */
public final class JsonLines {
    private JsonLines() {}

    /** Wraps {@code in} in a gzip decoder when it starts with the gzip magic bytes. */
    public static InputStream maybeGunzip(BufferedInputStream in) throws IOException {
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        return b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    }

    public static BufferedReader reader(InputStream raw) throws IOException {
        return new BufferedReader(new InputStreamReader(maybeGunzip(new BufferedInputStream(raw, 1 << 16)), StandardCharsets.UTF_8), 1 << 16);
    }

    /** Every non-blank line of {@code file}. */
    public static List<String> readAll(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readAll(in);
        }
    }

    public static List<String> readAll(InputStream in) throws IOException {
        List<String> out = new ArrayList<>();
        BufferedReader r = reader(in);
        for (String l = r.readLine(); l != null; l = r.readLine()) {
            if (!l.isBlank()) {
                out.add(l);
            }
        }
        return out;
    }
}
