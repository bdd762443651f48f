package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.RawClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Client connections beyond server.maxConnections are closed as soon as they are accepted, and counted. */
class ConnectionLimitTest {
  static final Duration WITHIN = Duration.ofSeconds(5);

  GatewayHarness h = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG.replace(
      "server: { host: 127.0.0.1, port: 0, maxBodyBytes: 65536 }",
      "server: { host: 127.0.0.1, port: 0, maxBodyBytes: 65536, maxConnections: 3 }"));

  @AfterEach
  void stop() {
    h.close();
  }

  /** A connection the gateway has surely admitted: it answered a request on it, and keeps it open. */
  RawClient admitted() {
    RawClient c = new RawClient(h.port);
    assertTrue(c.send("GET /health HTTP/1.1\r\nhost: x\r\n\r\n").readResponse(WITHIN).startsWith("HTTP/1.1 200 "));
    return c;
  }

  @Test
  void aConnectionBeyondTheLimitIsClosedAtOnceCountedAndTheSlotIsFreedWhenAnotherCloses() {
    try (RawClient a = admitted(); RawClient b = admitted(); RawClient c = admitted()) {
      try (RawClient d = new RawClient(h.port)) {
        d.trySend("GET /health HTTP/1.1\r\nhost: x\r\n\r\n");
        assertEquals("", d.readUntilClosed(WITHIN), "closed without an answer");
      }
      // a meter that held its source weakly would stop counting after a collection (it once read 0 here)
      System.gc();
      System.gc();
      String metrics = RawClient.body(b.send("GET /metrics HTTP/1.1\r\nhost: x\r\n\r\n").readResponse(WITHIN));
      assertTrue(metrics.contains("\nrebound_client_connections 3.0\n"), metrics);
      assertTrue(metrics.contains("\nrebound_client_connections_refused_total 1.0\n"), metrics);
      assertTrue(metrics.contains("# TYPE rebound_client_connections gauge\n"), metrics);
      assertTrue(metrics.contains("# TYPE rebound_client_connections_refused_total counter\n"), metrics);

      a.close();
      // the gateway learns of the close a moment later; each try before that is refused at once
      long deadline = System.nanoTime() + WITHIN.toNanos();
      String answer = "";
      while (!answer.startsWith("HTTP/1.1 200 ") && System.nanoTime() < deadline) {
        try (RawClient e = new RawClient(h.port)) {
          e.trySend("GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
          answer = e.readUntilClosed(WITHIN);
        }
      }
      assertTrue(answer.startsWith("HTTP/1.1 200 "), "a connection is admitted once another closed: " + answer);
    }
  }
}
