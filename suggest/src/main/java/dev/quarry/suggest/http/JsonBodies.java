package dev.quarry.suggest.http;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.quarry.suggest.SuggestResult;
import dev.quarry.suggest.Suggestion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Writes the JSON bodies of the suggest API with Jackson's streaming generator (field order as in
 * INTERFACES.md, no reflection per request).
 *
 * <p>Stateless apart from the thread-safe, shared {@link JsonFactory}; safe for any thread.
 */
final class JsonBodies {

  private static final JsonFactory FACTORY = new JsonFactory();

  private JsonBodies() {}

  /** {@code {"suggestions":[…],"snapshot":n,"watermark":{"0":…},"took_us":n}}. */
  static byte[] suggest(SuggestResult result, long tookMicros) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 96 * result.suggestions().size());
    try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeArrayFieldStart("suggestions");
      for (Suggestion s : result.suggestions()) {
        g.writeStartObject();
        g.writeStringField("text", s.text());
        g.writeNumberField("weight", s.weight());
        g.writeStringField("id", s.id());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeNumberField("snapshot", result.snapshot());
      g.writeObjectFieldStart("watermark");
      for (Map.Entry<Integer, Long> e : result.watermark().offsets().entrySet()) {
        g.writeNumberField(Integer.toString(e.getKey()), e.getValue());
      }
      g.writeEndObject();
      g.writeNumberField("took_us", tookMicros);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return out.toByteArray();
  }

  /** {@code {"error":"message"}}. */
  static byte[] error(String message) {
    return singleField("error", message);
  }

  /** {@code {"status":"ok"}}. */
  static byte[] status(String status) {
    return singleField("status", status);
  }

  private static byte[] singleField(String name, String value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringField(name, value);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
