package dev.rebound.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.testing.Eventually;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The live feed's readers over real sockets: one that does not read is dropped once it is too far behind (its
 * connection closed, nothing kept for it), while one that reads gets every decision; the decisions keep flowing to the
 * next sink either way.
 */
class LiveFeedReadersTest {
  Vertx vertx;
  LiveFeed feed;
  HttpServer server;
  final AtomicInteger passedOn = new AtomicInteger();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    feed = new LiveFeed(vertx, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Clock.systemUTC(),
        e -> passedOn.incrementAndGet());
    Router router = Router.router(vertx);
    feed.mount(new AdminMount(router, 1024, List.of("default")));
    // a small socket buffer: the kernel holds little for a reader that does not read, the feed's bounds show sooner
    server = vertx.createHttpServer(new HttpServerOptions().setSendBufferSize(32 * 1024)).requestHandler(router)
        .listen(0, "127.0.0.1").await();
  }

  @AfterEach
  void stop() {
    feed.stop();
    vertx.close().await();
  }

  /** A failure decision with a long reason: about 8 KB on the wire (its decision and its failed request). */
  static GatewayEvent failure(int i) {
    return new GatewayEvent(Instant.now(), EventType.FAILURE, "default", "s-" + i, "x".repeat(4000),
        Map.of("backend", "primary", "kind", "SERVER_ERROR", "attempt", 1)).forRequest("request-" + i);
  }

  static Socket open(int port, int receiveBuffer) throws Exception {
    Socket s = new Socket();
    s.setReceiveBufferSize(receiveBuffer);
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    s.getOutputStream().write("GET /admin/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return s;
  }

  @Test
  void aReaderThatDoesNotReadIsDroppedOnceTooFarBehindWhileOneThatReadsGetsEveryDecision() throws Exception {
    try (Socket stalled = open(server.actualPort(), 4096); Socket reading = open(server.actualPort(), 64 * 1024)) {
      Eventually.await(vertx, 5000, "both readers connected", () -> feed.readers() == 2);
      // counts the decisions as they come, keeping only the tail a frame's start may be split across
      AtomicInteger decisions = new AtomicInteger();
      AtomicReference<String> lastId = new AtomicReference<>();
      Pattern decision = Pattern.compile("event: decision\ndata: \\{[^\\n]*?\"requestId\":\"(request-\\d+)\"");
      Thread reader = new Thread(() -> {
        try (InputStream in = reading.getInputStream()) {
          byte[] buf = new byte[65536];
          String pending = "";
          for (int n; (n = in.read(buf)) > 0; ) {
            pending += new String(buf, 0, n, StandardCharsets.ISO_8859_1);
            Matcher m = decision.matcher(pending);
            int end = 0;
            while (m.find()) {
              decisions.incrementAndGet();
              lastId.set(m.group(1));
              end = m.end();
            }
            // what is left may hold the start of a frame not yet whole: frames are ~4 KB, keep up to two
            pending = pending.substring(Math.max(end, pending.length() - 10_000));
          }
        } catch (Exception closed) {
          // the test ends
        }
      });
      reader.setDaemon(true);
      reader.start();

      // far more than the stalled reader's socket, the write queue and the frames queued may hold: ~10 MB
      int sent = 1200;
      for (int i = 0; i < sent; i++) {
        feed.emit(failure(i));
        if (i % 10 == 0) Thread.sleep(10); // a pace a reader that reads keeps up with
      }
      assertEquals(sent, passedOn.get(), "every decision went on to the next sink, whoever reads");
            Eventually.await(vertx, 10_000, "the stalled reader dropped", () -> feed.readers() == 1);

      // the stalled socket ends: what it was sent before the drop, then the close
      stalled.setSoTimeout(10_000);
      InputStream in = stalled.getInputStream();
      long received = 0;
      byte[] buf = new byte[65536];
      for (int n; (n = readOrReset(in, buf)) > 0; ) received += n;
      assertTrue(received < 8_000L * sent / 2, "the dropped reader was not sent everything: " + received + " bytes");
      assertTrue(received > 0, "it got the frames written before it fell behind");

      Eventually.await(vertx, 10_000, "the last decision reaching the reader that reads",
          () -> ("request-" + (sent - 1)).equals(lastId.get()));
      assertEquals(sent, decisions.get(), "each decision once, none dropped");
      assertEquals(1, feed.readers(), "the reader that reads is still connected");
    }
  }

  private static int readOrReset(InputStream in, byte[] buf) {
    try {
      return in.read(buf);
    } catch (java.io.IOException reset) {
      return -1;
    }
  }

}
