package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.GatewayHarness;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SSE is relayed event by event as it arrives, and a client that leaves takes the upstream request with it. */
class StreamingRelayTest {
  static GatewayHarness h;

  @BeforeAll
  static void start() throws Exception {
    h = GatewayHarness.start();
    // a cold JVM spends its first request loading classes; timing assertions are about the relay, not that
    chunkArrivals(h.base(), "/v1/chat/completions", STREAM_CHAT, 3, 0);
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  static final String STREAM_CHAT =
      "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"pace me\"}]}";

  /** Milliseconds from sending the request to the arrival of each content chunk at the client. */
  static List<Long> chunkArrivals(String base, String path, String body, int words, int delayMs) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .header("content-type", "application/json")
        .header("x-mock-reply-words", String.valueOf(words))
        .header("x-mock-chunk-delay-ms", String.valueOf(delayMs))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    List<Long> arrivals = new ArrayList<>();
    long sent = System.nanoTime();
    HttpResponse<Stream<String>> resp = h.http.send(req, HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, resp.statusCode());
    try (Stream<String> lines = resp.body()) {
      lines.forEach(line -> {
        if (line.startsWith("data: {") && (line.contains("\"content\":\"") || line.contains("text_delta"))) {
          arrivals.add((System.nanoTime() - sent) / 1_000_000);
        }
      });
    }
    return arrivals;
  }

  @Test
  void chunksReachTheClientAsTheUpstreamSendsThemNotAtTheEnd() throws Exception {
    List<Long> proxied = chunkArrivals(h.base(), "/v1/chat/completions", STREAM_CHAT, 20, 100);
    assertEquals(20, proxied.size(), proxied.toString());
    long first = proxied.get(0);
    long last = proxied.get(proxied.size() - 1);
    // 20 chunks 100 ms apart: the first arrives right away, the last about 1.9 s later
    assertTrue(first < 1000, "first chunk after " + first + " ms");
    assertTrue(last - first >= 1500, "chunks were spread over " + (last - first) + " ms: " + proxied);
    assertTrue(proxied.get(10) - first >= 700, "the 11th chunk came " + (proxied.get(10) - first) + " ms after the first");
  }

  @Test
  void anthropicEventsAreRelayedIncrementallyToo() throws Exception {
    String body = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":200,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"pace\"}]}";
    List<Long> proxied = chunkArrivals(h.base(), "/v1/messages", body, 12, 100);
    assertEquals(12, proxied.size());
    assertTrue(proxied.get(11) - proxied.get(0) >= 900, proxied.toString());
  }

  @Test
  void firstChunkLatencyThroughTheGatewayIsCloseToDirect() throws Exception {
    // warm both paths, then take the median of interleaved runs: a report for the closing note, not a timing assertion
    List<Long> direct = new ArrayList<>();
    List<Long> proxied = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      direct.add(firstChunkMicros(h.mockUrl()));
      proxied.add(firstChunkMicros(h.base()));
    }
    long d = median(direct.subList(10, 60));
    long p = median(proxied.subList(10, 60));
    System.out.printf("first-chunk latency at the client: direct %d us, through the gateway %d us (median of 50, interleaved)%n", d, p);
    assertTrue(p > 0 && d > 0);
  }

  private static long firstChunkMicros(String base) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions")).timeout(Duration.ofSeconds(30))
        .header("content-type", "application/json").header("x-mock-reply-words", "5")
        .POST(HttpRequest.BodyPublishers.ofString(STREAM_CHAT)).build();
    long sent = System.nanoTime();
    HttpResponse<Stream<String>> resp = h.http.send(req, HttpResponse.BodyHandlers.ofLines());
    long[] first = {-1};
    try (Stream<String> lines = resp.body()) {
      lines.forEach(l -> {
        if (first[0] < 0 && l.startsWith("data: {")) first[0] = (System.nanoTime() - sent) / 1000;
      });
    }
    return first[0];
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(Long::compare);
    return sorted.get(sorted.size() / 2);
  }

  @Test
  void aClientThatDisconnectsMidStreamCancelsTheUpstreamRequest() {
    HttpClientAgent client = h.vertx.createHttpClient();
    int before = h.upstreamRequests().size();
    client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(h.port)
            .setURI("/v1/chat/completions").putHeader("content-type", "application/json")
            .putHeader("x-mock-reply-words", "100").putHeader("x-mock-chunk-delay-ms", "100"))
        .compose(req -> req.send(STREAM_CHAT))
        .onSuccess(resp -> resp.handler(chunk -> resp.request().connection().close()));
    Eventually.await(h.vertx, 10_000, "the mock to see the gateway hang up", () -> {
      var all = h.upstreamRequests();
      return all.size() > before && "client-closed".equals(all.getJsonObject(all.size() - 1).getString("outcome"));
    });
    JsonObject last = h.lastUpstreamRequest();
    assertEquals("client-closed", last.getString("outcome"), last.encode());
    Eventually.await(h.vertx, 5_000, "a client-gone event",
        () -> h.events.stream().anyMatch(e -> e.type().id().equals("client-gone")));
    client.close();
  }

  @Test
  void hopByHopHeadersAreNotForwarded() {
    HttpClientAgent client = h.vertx.createHttpClient();
    var resp = client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(h.port)
            .setURI("/v1/chat/completions").putHeader("content-type", "application/json")
            .putHeader("connection", "keep-alive, x-drop-me").putHeader("x-drop-me", "1")
            .putHeader("keep-alive", "timeout=5").putHeader("te", "trailers").putHeader("x-keep-me", "2")
            .putHeader("proxy-authorization", "Basic abc"))
        .compose(req -> req.send("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
        .compose(r -> r.body().map(b -> r.statusCode())).await();
    assertEquals(200, resp);
    JsonObject seen = h.lastUpstreamRequest().getJsonObject("headers");
    for (String gone : List.of("x-drop-me", "keep-alive", "te", "proxy-authorization")) {
      assertTrue(!seen.containsKey(gone), gone + " was forwarded: " + seen.encode());
    }
    assertEquals("2", seen.getString("x-keep-me"));
    client.close();
  }
}
