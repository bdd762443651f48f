package dev.rebound.gateway.http;

import dev.rebound.gateway.config.ServerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Picks the socket layer for {@code server.transport} and builds the Vert.x instance on it: Linux's native epoll
 * where it loads (edge-triggered, no selector bookkeeping per wake-up), else the JDK's NIO.
 */
public final class NetworkTransport {
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private NetworkTransport() {}

  /** The transport in force for {@code choice}; throws, naming the key and the reason, when it cannot be had. */
  public static Transport resolve(ServerConfig.Transport choice) {
    return switch (choice) {
      case AUTO -> Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO;
      case EPOLL -> {
        if (Transport.EPOLL.available()) yield Transport.EPOLL;
        Throwable why = Transport.EPOLL.unavailabilityCause();
        throw new IllegalStateException("server.transport: 'epoll' is not available on this machine ("
            + (why == null ? "not Linux" : why.getMessage()) + "); use auto or nio");
      }
      case NIO -> Transport.NIO;
    };
  }

  /** A Vert.x instance whose event loops run on the transport {@code choice} resolves to. */
  public static Vertx vertx(ServerConfig.Transport choice) {
    return Vertx.builder().withTransport(resolve(choice)).build();
  }

  /**
   * The same, reporting into {@code registry} (vertx-micrometer-metrics): HTTP server requests by method, code and
   * route template (never the path: session ids are in it), HTTP client requests per backend (the client's name),
   * pools, and the JVM and process binders (memory, GC, threads, CPU, uptime, class loading).
   */
  public static Vertx vertx(Transport transport, MeterRegistry registry) {
    return vertx(transport, registry, true);
  }

  /** The same; {@code httpMeters} false leaves out Vert.x's per-request HTTP meters (see {@code MetricsConfig}). */
  public static Vertx vertx(Transport transport, MeterRegistry registry, boolean httpMeters) {
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        // Vert.x keeps registries by name: each instance its own, or a second gateway in one JVM would share the first's
        .setRegistryName("rebound-" + INSTANCES.incrementAndGet())
        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.HTTP_ROUTE, Label.CLIENT_NAME,
            Label.POOL_TYPE, Label.POOL_NAME))
        // the gateway sends nothing over the event bus or UDP
        .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)
        .addDisabledMetricsCategory(MetricsDomain.DATAGRAM_SOCKET);
    if (!httpMeters) {
      metrics.addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER).addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT);
    }
    return Vertx.builder().with(new VertxOptions().setMetricsOptions(metrics)).withTransport(transport)
        .withMetrics(new MicrometerMetricsFactory(registry)).build();
  }

  /** The name a user reads in the startup line: epoll or nio. */
  public static String describe(Transport t) {
    return t.name().toLowerCase(java.util.Locale.ROOT);
  }
}
