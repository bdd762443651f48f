package dev.rebound.bench;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.transport.Transport;
import java.net.URI;
import java.util.Set;

/**
 * The yardstick for {@code --reference-proxy}: a plain Vert.x reverse proxy with nothing of the gateway (no parsing,
 * routing, sessions, retries), on the gateway's transport (epoll where it loads), one event loop, a pooled keep-alive
 * client, the body read whole and the response piped chunk by chunk. Measured in place of the gateway, it shows what
 * proxying alone costs on the machine at hand, to read the gateway's figures against.
 *
 * <p>{@code java -cp bench.jar dev.rebound.bench.ReferenceProxy <upstream base URL>}; prints
 * {@code Reference proxy listening on http://127.0.0.1:<port>}.
 */
public final class ReferenceProxy {
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
      "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length");

  private ReferenceProxy() {}

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: ReferenceProxy <upstream base URL, e.g. http://127.0.0.1:8000>");
      System.exit(2);
    }
    URI upstream = URI.create(args[0]);
    Vertx vertx = Vertx.builder().withTransport(Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO).build();
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(upstream.getHost())
        .setDefaultPort(upstream.getPort()).setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(64));
    vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setTcpNoDelay(true))
        .requestHandler(req -> forward(client, req))
        .listen()
        .onSuccess(s -> System.out.println("Reference proxy listening on http://127.0.0.1:" + s.actualPort()))
        .onFailure(err -> {
          System.err.println("Reference proxy cannot start: " + err);
          System.exit(1);
        });
  }

  private static void forward(HttpClient client, HttpServerRequest req) {
    req.body().onSuccess(body -> {
      MultiMap headers = MultiMap.caseInsensitiveMultiMap();
      copy(req.headers(), headers);
      RequestOptions out = new RequestOptions().setMethod(req.method()).setURI(req.uri()).setHeaders(headers);
      client.request(out).compose(upstreamReq -> upstreamReq.send(body)).onSuccess(answer -> {
        HttpServerResponse resp = req.response().setStatusCode(answer.statusCode());
        copy(answer.headers(), resp.headers());
        String length = answer.getHeader("content-length");
        if (length != null) resp.putHeader("content-length", length);
        else resp.setChunked(true);
        answer.pipeTo(resp); // chunk by chunk, with back-pressure, as the gateway relays
      }).onFailure(err -> req.response().setStatusCode(502).end(String.valueOf(err)));
    });
  }

  private static void copy(MultiMap from, MultiMap to) {
    from.forEach(h -> {
      if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) to.add(h.getKey(), h.getValue());
    });
  }
}
