package org.stepgate.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * A local stand-in for stepgate's sidecar API on a loopback port: it answers each request with the
 * next scripted answer and records what it was sent, so a test sees the exact HTTP the provider
 * makes. Paths are those of docs/sidecar-api.yaml under the configured base path.
 */
final class SidecarStandIn implements AutoCloseable {
  static final String BASE_PATH = "/_stepgate";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request as it arrived. */
  record Received(String method, String path, Map<String, List<String>> headers, JsonNode body) {
    String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse(null);
    }
  }

  /** A scripted answer: status, content type and body, sent after {@code delayMs}. */
  record Scripted(int status, String contentType, String body, long delayMs) {}

  private final HttpServer server;
  private final Deque<Scripted> script = new ArrayDeque<>();
  private final List<Received> received = new ArrayList<>();

  SidecarStandIn() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + BASE_PATH);
  }

  SidecarStandIn answer(int status, String json) {
    return answer(new Scripted(status, "application/json; charset=utf-8", json, 0));
  }

  synchronized SidecarStandIn answer(Scripted scripted) {
    script.add(scripted);
    return this;
  }

  synchronized List<Received> received() {
    return List.copyOf(received);
  }

  Received last() {
    List<Received> all = received();
    return all.get(all.size() - 1);
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] raw = exchange.getRequestBody().readAllBytes();
    JsonNode body = raw.length == 0 ? null : JSON.readTree(raw);
    Scripted next;
    synchronized (this) {
      received.add(
          new Received(
              exchange.getRequestMethod(), exchange.getRequestURI().getPath(), Map.copyOf(exchange.getRequestHeaders()), body));
      next = script.poll();
    }
    if (next == null) next = new Scripted(500, "text/plain", "the test scripted no answer for this request", 0);
    if (next.delayMs() > 0) {
      try {
        Thread.sleep(next.delayMs());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    byte[] out = next.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", next.contentType());
    try {
      exchange.sendResponseHeaders(next.status(), out.length == 0 ? -1 : out.length);
      try (OutputStream stream = exchange.getResponseBody()) {
        stream.write(out);
      }
    } catch (IOException e) {
      // The client gave up first (a timeout test): nothing left to answer.
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
