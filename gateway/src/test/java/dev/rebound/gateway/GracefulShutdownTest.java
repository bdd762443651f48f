package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A gateway told to stop (SIGTERM in a rolling update) serves no new request from then on, but a stream it is relaying
 * runs to its end within server.shutdownGrace: the client gets the whole answer, not a cut one.
 */
class GracefulShutdownTest {
  static final String CONFIG = GatewayHarness.DEFAULT_CONFIG.replace(
      "server: { host: 127.0.0.1, port: 0, maxBodyBytes: 65536 }",
      "server: { host: 127.0.0.1, port: 0, maxBodyBytes: 65536, shutdownGrace: 10s }");

  @Test
  void aStreamInFlightWhenTheGatewayStopsEndsWholeWhileNewConnectionsAreRefused() throws Exception {
    try (GatewayHarness h = GatewayHarness.start(CONFIG)) {
      // the answer pauses 1.5 s after two chunks: the gateway is told to stop in that pause
      h.fault(new JsonObject().put("match", new JsonObject().put("contains", "long-answer"))
          .put("stallAfterChunks", 2).put("stallMs", 1500));
      HttpClient client = HttpClient.newHttpClient();
      CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(HttpRequest.newBuilder(
              URI.create(h.base() + "/v1/chat/completions"))
          .header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"long-answer\"}]}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (h.upstreamRequests().isEmpty() && System.nanoTime() < deadline) Thread.sleep(10);

      Future<Void> stopped = h.gateway.stop();

      // no new request is served while the stream drains (refused, or closed before a byte is answered)
      ExecutionException refused = assertThrows(ExecutionException.class, () -> HttpClient.newHttpClient()
          .sendAsync(HttpRequest.newBuilder(URI.create(h.base() + "/health")).timeout(Duration.ofSeconds(2)).build(),
              HttpResponse.BodyHandlers.ofString()).get(5, TimeUnit.SECONDS));
      assertTrue(refused.getCause() instanceof IOException, String.valueOf(refused.getCause()));
      HttpResponse<String> r = inFlight.get(10, TimeUnit.SECONDS);
      assertEquals(200, r.statusCode());
      assertTrue(r.body().trim().endsWith("data: [DONE]"), "the whole answer, not a cut one: " + r.body());
      stopped.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
