package dev.rebound.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** `rebound health-check`, what the Docker image's HEALTHCHECK runs. */
class HealthCheckCommandTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private int serverAnswering(int status) {
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.response().setStatusCode(status)
        .end(req.path().equals("/health") ? "{\"status\":\"ok\"}" : "no"));
    return server.listen(0, "127.0.0.1").await().actualPort();
  }

  @Test
  void aGatewayAnswering200IsHealthyExitZero() {
    int port = serverAnswering(200);
    CheckConfigCommandTest.Run r = CheckConfigCommandTest.run("health-check", "--url", "http://127.0.0.1:" + port + "/health");
    assertEquals(0, r.code(), r.err());
    assertEquals("healthy: http://127.0.0.1:" + port + "/health answered 200", r.out().strip());
  }

  @Test
  void anotherStatusIsUnhealthyExitOneSayingWhatItGot() {
    int port = serverAnswering(503);
    CheckConfigCommandTest.Run r = CheckConfigCommandTest.run("health-check", "--url", "http://127.0.0.1:" + port + "/health");
    assertEquals(1, r.code());
    assertEquals("unhealthy: http://127.0.0.1:" + port + "/health answered 503", r.err().strip());
  }

  @Test
  void nothingListeningIsUnhealthyExitOneWithoutAStackTrace() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    CheckConfigCommandTest.Run r = CheckConfigCommandTest.run("health-check", "--url", "http://127.0.0.1:" + port + "/health",
        "--timeout", "2");
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("unhealthy: cannot reach http://127.0.0.1:" + port + "/health"), r.err());
    assertTrue(!r.err().contains("\tat "), r.err());
  }

  @Test
  void theDefaultAddressIsLoopbackOnReboundPortElse8080() {
    assertEquals(URI.create("http://127.0.0.1:9090/health"), HealthCheckCommand.defaultUrl("9090"));
    assertEquals(URI.create("http://127.0.0.1:8080/health"), HealthCheckCommand.defaultUrl(null));
    assertEquals(URI.create("http://127.0.0.1:8080/health"), HealthCheckCommand.defaultUrl("not-a-port"));
  }
}
