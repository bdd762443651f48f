package dev.rebound.gateway.testing;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway as its own JVM process ({@code serve --config}), its output appended to a log: for tests that kill it
 * with SIGKILL and start it again on the same config and store.
 */
public final class GatewayProcess {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private GatewayProcess() {}

  /** Starts {@code serve --config config} with this test JVM's class path; {@code jvmOptions} go before it. */
  public static Process start(Path config, Path log, String... jvmOptions) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(jvmOptions));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.rebound.gateway.cli.Main", "serve",
        "--config", config.toString()));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("REBOUND_LOG_LEVEL", "WARNING");
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    return pb.start();
  }

  /** Waits up to 30 s for the gateway at {@code base} to answer /health with 200 (each look gives up after 2 s). */
  public static void awaitUp(Vertx poller, String base, String what) {
    Eventually.await(poller, 30_000, what, () -> up(base));
  }

  private static boolean up(String base) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/health")).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }
}
