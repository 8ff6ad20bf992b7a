package dev.quarry.suggest.http;

/** The page served at {@code /} until the demo page lands: says what the API is. */
final class PlaceholderPage {

  static final String HTML =
      """
      <!doctype html>
      <html lang="en">
      <head><meta charset="utf-8"><title>Quarry suggest</title></head>
      <body>
      <h1>Quarry suggest</h1>
      <p>The typeahead demo page is coming. Meanwhile, try the API:
      <code>GET /v1/suggest?index=packages&amp;q=rea&amp;k=10</code>.</p>
      <p><a href="/healthz">/healthz</a> &middot; <a href="/metrics">/metrics</a></p>
      </body>
      </html>
      """;

  private PlaceholderPage() {}
}
