package dev.rebound.gateway.cli;

import dev.rebound.gateway.config.ConfigException;
import dev.rebound.gateway.config.ConfigLoader;
import dev.rebound.gateway.config.LogConfig;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.events.LogEventSink;
import dev.rebound.gateway.http.GatewayServer;
import dev.rebound.gateway.http.NetworkTransport;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the gateway with a config file.")
final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = Logger.getLogger("rebound");

  @Option(names = {"-c", "--config"}, defaultValue = "conf/rebound.yaml", description = "Config file (default: ${DEFAULT-VALUE}).")
  Path config;

  @Option(names = "--port", description = "Listen on this port instead of server.port.")
  Integer port;

  @Option(names = "--store-path", paramLabel = "DIR", description = "Keep the embedded session store here instead of store.path.")
  String storePath;

  @Override
  public Integer call() {
    ReboundConfig cfg;
    try {
      cfg = ConfigLoader.fromEnvironment().load(config);
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    if (port != null) cfg = cfg.withServer(cfg.server().withPort(port));
    if (storePath != null) cfg = cfg.withStore(cfg.store().withPath(storePath));
    ConsoleLog.useFormat(cfg.log().format());
    io.vertx.core.transport.Transport transport;
    try {
      transport = NetworkTransport.resolve(cfg.server().transport());
    } catch (IllegalStateException e) {
      System.err.println("Cannot start: " + e.getMessage());
      return 2;
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = NetworkTransport.vertx(transport, registry, cfg.metrics().httpMeters());
    GatewayServer server = new GatewayServer(vertx, cfg, new LogEventSink(), Clock.systemUTC(), config, registry);
    try {
      int bound = server.start().await();
      String listening = "Rebound listening on http://" + cfg.server().host() + ":" + bound + " (config " + config
          + ", transport " + NetworkTransport.describe(transport) + ")";
      // a JSON log keeps every line of the process JSON (containers merge stdout and stderr)
      if (cfg.log().format() == LogConfig.Format.JSON) LOG.info(listening);
      else System.out.println(listening);
      long stopWithinMs = cfg.server().shutdownGrace().toMillis() + 5_000;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        // SIGTERM (docker stop, systemd): stop listening, let requests in flight end (server.shutdownGrace), close
        // upstream connections and flush the store, but never hang the exit; Vert.x itself goes with the JVM (waiting
        // on its close can stall on a terminated event loop)
        try {
          server.stop().toCompletionStage().toCompletableFuture().get(stopWithinMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception ignored) {
          // exiting anyway
        }
      }, "rebound-shutdown"));
      return 0;
    } catch (Exception e) {
      System.err.println("Cannot start: " + e.getMessage());
      vertx.close();
      return 1;
    }
  }
}
