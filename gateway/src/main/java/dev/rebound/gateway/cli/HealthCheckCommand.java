package dev.rebound.gateway.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** For container health checks (the image has no curl): exit 0 when the gateway's /health answers 200. */
@Command(name = "health-check", mixinStandardHelpOptions = true,
    description = "Ask a running gateway's /health; exit code 0 when it answers 200, 1 otherwise (Docker HEALTHCHECK).")
final class HealthCheckCommand implements Callable<Integer> {
  @Option(names = "--url", paramLabel = "URL",
      description = "What to ask (default: http://127.0.0.1:$REBOUND_PORT/health, port 8080 when REBOUND_PORT is unset).")
  URI url;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "3", description = "Give up after this long (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Override
  public Integer call() {
    URI target = url != null ? url : defaultUrl(System.getenv("REBOUND_PORT"));
    Duration timeout = Duration.ofSeconds(Math.max(1, timeoutSeconds));
    try {
      HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(timeout).build()
          .send(HttpRequest.newBuilder(target).timeout(timeout).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        System.out.println("healthy: " + target + " answered 200");
        return 0;
      }
      System.err.println("unhealthy: " + target + " answered " + r.statusCode());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    } catch (Exception e) {
      System.err.println("unhealthy: cannot reach " + target + ": " + (e.getMessage() != null ? e.getMessage() : e));
      return 1;
    }
  }

  static URI defaultUrl(String port) {
    String p = port == null || !port.strip().matches("\\d{1,5}") ? "8080" : port.strip();
    return URI.create("http://127.0.0.1:" + p + "/health");
  }
}
