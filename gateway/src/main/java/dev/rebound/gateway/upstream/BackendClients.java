package dev.rebound.gateway.upstream;

import dev.rebound.gateway.config.BackendConfig;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One pooled, keep-alive HTTP client per backend, created once and shared by every request. */
public final class BackendClients implements Upstream {
  private final Vertx vertx;
  private final Map<String, HttpClientAgent> clients = new HashMap<>();

  public BackendClients(Vertx vertx, List<BackendConfig> backends) {
    this.vertx = vertx;
    for (BackendConfig b : backends) {
      HttpClientOptions options = new HttpClientOptions()
          .setDefaultHost(b.url().getHost())
          .setDefaultPort(b.port())
          .setSsl(b.tls())
          .setKeepAlive(true)
          .setTcpNoDelay(true)
          // the gateway relays bytes as they come; decompressing would mean re-encoding them
          .setDecompressionSupported(false)
          // Vert.x's client meters (vertx_http_client_*) carry it as client_name
          .setMetricsName(b.name())
          .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, b.timeouts().connect().toMillis()));
      PoolOptions pool = new PoolOptions().setHttp1MaxSize(b.maxConnections()).setHttp2MaxSize(b.maxConnections());
      clients.put(b.name(), vertx.httpClientBuilder().with(options).with(pool).build());
    }
  }

  @Override
  public Call send(BackendConfig backend, String uri, MultiMap headers, Buffer body, StreamTarget target) {
    return new UpstreamCall(vertx, client(backend.name()), backend, uri, headers, body, target).start();
  }

  public HttpClientAgent client(String backend) {
    HttpClientAgent c = clients.get(backend);
    if (c == null) throw new IllegalArgumentException("no client for backend '" + backend + "'");
    return c;
  }

  public Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    clients.values().forEach(c -> closing.add(c.close()));
    return Future.all(closing).mapEmpty();
  }
}
