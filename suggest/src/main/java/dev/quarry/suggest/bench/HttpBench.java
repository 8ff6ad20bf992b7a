package dev.quarry.suggest.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * HTTP load on loopback against a running suggest server: keep-alive connections, one request in
 * flight per connection, minimal client (raw sockets) so the client costs little of the shared
 * CPU. First a closed loop (as fast as possible) gives the maximum throughput; then an open loop
 * paced at half of it records the server-side latency the server reports in {@code took_us}, and
 * the client-side round trip, in HdrHistograms.
 *
 * <p>Thread-safety: each connection thread owns its socket; counters and recorders are
 * thread-safe.
 */
final class HttpBench {

  /** What a run measured. */
  record Result(double maxPerSecond, double pacedPerSecond, Histogram serverMicros, Histogram clientMicros) {}

  private final String host;
  private final int port;
  private final String index;
  private final String[] queries;

  HttpBench(String host, int port, String index, String[] queries) {
    this.host = host;
    this.port = port;
    this.index = index;
    this.queries = queries;
  }

  Result run(int connections, long millis, PrintStream out) throws Exception {
    load(connections, millis / 3, 0, null, null); // warm-up
    double max = load(connections, millis, 0, null, null);
    Recorder server = new Recorder(3);
    Recorder client = new Recorder(3);
    double paced = load(connections, millis, max / 2, server, client);
    Result r = new Result(max, paced, server.getIntervalHistogram(), client.getIntervalHistogram());
    out.printf("HTTP loopback, %d keep-alive connections: max %.0f req/s; at %.0f req/s (half): "
            + "server p50 %d µs, p99 %d µs; client round trip p50 %d µs, p99 %d µs%n",
        connections, max, paced,
        r.serverMicros().getValueAtPercentile(50), r.serverMicros().getValueAtPercentile(99),
        r.clientMicros().getValueAtPercentile(50), r.clientMicros().getValueAtPercentile(99));
    return r;
  }

  /** Runs for {@code millis}; paced at {@code rate} req/s in total when rate > 0. Returns req/s. */
  private double load(int connections, long millis, double rate, Recorder server, Recorder client)
      throws Exception {
    LongAdder done = new LongAdder();
    long start = System.nanoTime();
    long end = start + millis * 1_000_000;
    List<Thread> threads = new ArrayList<>();
    List<Exception> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int c = 0; c < connections; c++) {
      int offset = c;
      double perConnection = rate / connections;
      threads.add(Thread.ofPlatform().name("bench-http-" + c).start(() -> {
        try (Socket socket = new Socket(host, port)) {
          socket.setTcpNoDelay(true);
          OutputStream os = socket.getOutputStream();
          InputStream is = new BufferedInputStream(socket.getInputStream(), 1 << 16);
          long n = 0;
          long intervalNanos = perConnection > 0 ? (long) (1e9 / perConnection) : 0;
          long next = System.nanoTime();
          while (true) {
            long now = System.nanoTime();
            if (now >= end) {
              break;
            }
            if (intervalNanos > 0) {
              if (now < next) {
                java.util.concurrent.locks.LockSupport.parkNanos(next - now);
                continue;
              }
              next += intervalNanos;
            }
            String q = queries[(int) ((offset + n++ * connections) % queries.length)];
            long sent = System.nanoTime();
            os.write(("GET /v1/suggest?index=" + index + "&k=10&q=" + URLEncoder.encode(q, StandardCharsets.UTF_8)
                + " HTTP/1.1\r\nHost: bench\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            os.flush();
            String body = readResponse(is);
            if (client != null) {
              client.recordValue((System.nanoTime() - sent) / 1_000);
              server.recordValue(tookMicros(body));
            }
            done.increment();
          }
        } catch (Exception e) {
          failures.add(e);
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
    return done.sum() / ((System.nanoTime() - start) / 1e9);
  }

  /** Reads one response with a Content-Length; returns its body. */
  private static String readResponse(InputStream in) throws IOException {
    int contentLength = -1;
    StringBuilder line = new StringBuilder();
    int status = -1;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed");
      }
      if (b == '\n') {
        String l = line.toString().trim();
        line.setLength(0);
        if (l.isEmpty()) {
          break;
        }
        if (status < 0) {
          status = Integer.parseInt(l.split(" ")[1]);
        } else if (l.regionMatches(true, 0, "content-length:", 0, 15)) {
          contentLength = Integer.parseInt(l.substring(15).trim());
        }
      } else {
        line.append((char) b);
      }
    }
    byte[] body = in.readNBytes(contentLength);
    if (status != 200) {
      throw new IOException("HTTP " + status + ": " + new String(body, StandardCharsets.UTF_8));
    }
    return new String(body, StandardCharsets.UTF_8);
  }

  private static long tookMicros(String body) {
    int i = body.lastIndexOf("\"took_us\":");
    int j = i + 10;
    int k = j;
    while (k < body.length() && Character.isDigit(body.charAt(k))) {
      k++;
    }
    return Long.parseLong(body.substring(j, k));
  }
}
