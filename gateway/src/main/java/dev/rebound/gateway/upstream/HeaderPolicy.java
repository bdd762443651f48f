package dev.rebound.gateway.upstream;

import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.gateway.wire.formats.WireFormats;
import dev.rebound.routing.Protocol;
import io.vertx.core.MultiMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which headers cross the gateway. Client to upstream: everything but hop-by-hop headers, the gateway's own
 * {@code x-rebound-*} controls and the client's credentials, which the backend's key replaces (unless the backend
 * passes the client's key on). Upstream to client: everything but hop-by-hop headers; the upstream's own
 * {@code x-request-id} is renamed {@code x-upstream-request-id}, since the client's {@code x-request-id} is the gateway's.
 * When the backend is another provider's than the client's protocol, the client's protocol headers ({@code anthropic-*},
 * {@code openai-*}) stay behind and a key passed on moves to the header the backend reads.
 */
public final class HeaderPolicy {
  /** RFC 9110 section 7.6.1 connection-specific headers, plus proxy-connection seen in the wild. */
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
      "proxy-authorization", "proxy-connection", "te", "trailer", "trailers", "transfer-encoding", "upgrade");
  /**
   * Set by the gateway itself (host, length), or would change the bytes it relays (accept-encoding: the gateway
   * reads the stream it relays), or belong to the client's browser session (cookie).
   */
  private static final Set<String> NOT_SENT_UP = Set.of("host", "content-length", "accept-encoding", "cookie", "expect");
  private static final Set<String> CREDENTIALS = Set.of("authorization", "x-api-key", "api-key");
  private static final String REQUEST_ID = "x-request-id";
  static final String UPSTREAM_REQUEST_ID = "x-upstream-request-id";

  private HeaderPolicy() {}

  /** @param clientProtocol the protocol the client spoke (the backend's own when it is not translated) */
  public static MultiMap upstreamHeaders(MultiMap client, Protocol clientProtocol, BackendConfig backend, String proxyKey) {
    Set<String> listed = connectionListed(client);
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    // Chat Completions and Responses are both OpenAI's: its headers and key stay as they are between them
    boolean translated = !clientProtocol.sameProvider(backend.protocol());
    String clientKey = null;
    for (Map.Entry<String, String> h : client) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (HOP_BY_HOP.contains(name) || listed.contains(name) || NOT_SENT_UP.contains(name) || name.startsWith("x-rebound-")) continue;
      // another provider's version and beta flags mean nothing to this backend, or make it refuse the request
      if (translated && (name.startsWith("anthropic-") || name.startsWith("openai-"))) continue;
      if (CREDENTIALS.contains(name)) {
        // the proxy key identifies a tenant here and must never reach a provider
        if (!backend.passClientKey() || (proxyKey != null && h.getValue().contains(proxyKey))) continue;
        String value = h.getValue().trim();
        clientKey = value.regionMatches(true, 0, "Bearer ", 0, 7) ? value.substring(7).trim() : value;
        if (translated) continue; // sent below, in the header the backend reads
      }
      out.add(h.getKey(), h.getValue());
    }
    backend.headers().forEach(out::set);
    // the backend's own format says how its key is sent and which headers it cannot do without
    WireFormat format = WireFormats.of(backend.protocol());
    if (clientKey != null && translated) format.putApiKey(out, clientKey);
    else if (clientKey == null && !backend.apiKey().isEmpty()) format.putApiKey(out, backend.apiKey());
    format.putRequiredHeaders(out);
    out.set("content-type", "application/json");
    return out;
  }

  public static MultiMap clientHeaders(MultiMap upstream) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    addClientHeaders(upstream, out);
    return out;
  }

  /** The same headers, added to {@code out} (a response's own headers: no map in between). */
  public static void addClientHeaders(MultiMap upstream, MultiMap out) {
    Set<String> listed = connectionListed(upstream);
    for (Map.Entry<String, String> h : upstream) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (HOP_BY_HOP.contains(name) || listed.contains(name) || name.equals("content-length")) continue;
      // kept for the provider's support, under a name that does not clash with the gateway's request id
      out.add(name.equals(REQUEST_ID) ? UPSTREAM_REQUEST_ID : h.getKey(), h.getValue());
    }
  }

  /** Headers a Connection header names as hop-by-hop (RFC 9110 7.6.1); usually none, and then no set is built. */
  private static Set<String> connectionListed(MultiMap headers) {
    if (!headers.contains("connection")) return Set.of();
    Set<String> names = new HashSet<>();
    for (String v : headers.getAll("connection")) {
      for (String token : v.split(",")) names.add(token.trim().toLowerCase(Locale.ROOT));
    }
    return names;
  }
}
