package dev.quarry.suggest.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The typeahead demo page served at {@code /}: one self-contained HTML file (inline CSS and
 * JavaScript, no build step) kept as the resource {@code demo.html} next to this class. It calls
 * {@code /v1/suggest} as the user types (debounced), supports up, down, enter and escape, runs the
 * picked suggestion as a search through {@code /v1/search}, and writes every piece of data with
 * {@code textContent}, never {@code innerHTML}.
 *
 * <p>Stateless; the page bytes are read once and shared (never mutated).
 */
final class DemoPage {

  private static final byte[] HTML = load();

  private DemoPage() {}

  static byte[] html() {
    return HTML;
  }

  private static byte[] load() {
    try (InputStream in = DemoPage.class.getResourceAsStream("demo.html")) {
      if (in == null) {
        throw new IllegalStateException("demo.html is missing from the suggest jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
