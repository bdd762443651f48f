package dev.rebound.gateway.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.http.ClientError;
import dev.rebound.gateway.upstream.AttemptOutcome;
import dev.rebound.gateway.upstream.BackendClients;
import dev.rebound.gateway.upstream.HeaderPolicy;
import dev.rebound.gateway.upstream.JsonSplice;
import dev.rebound.gateway.upstream.UpstreamCall;
import dev.rebound.routing.AgentDefinition;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs the attempt plan against the upstreams and answers the client. Today one attempt on the plan's first agent;
 * an upstream error answer is relayed in the client's protocol shape. (Classification, retries, waits, breakers and
 * fallback grow here with the recovery engine.)
 */
public final class AttemptLoop implements Step {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Vertx vertx;
  private final ReboundConfig config;
  private final BackendClients clients;
  private final EventSink events;
  private final Clock clock;

  public AttemptLoop(Vertx vertx, ReboundConfig config, BackendClients clients, EventSink events, Clock clock) {
    this.vertx = vertx;
    this.config = config;
    this.clients = clients;
    this.events = events;
    this.clock = clock;
  }

  @Override
  public Future<Void> apply(Exchange ex) {
    var candidate = ex.plan().agents().get(0);
    AgentDefinition agent = candidate.agent();
    BackendConfig backend = config.backend(agent.backend()).orElseThrow();
    MultiMap reply = MultiMap.caseInsensitiveMultiMap()
        .add("x-rebound-agent", agent.name())
        .add("x-rebound-route", ex.plan().route())
        .add("x-rebound-attempts", "1");
    long started = System.nanoTime();
    UpstreamCall call = new UpstreamCall(vertx, clients.client(backend.name()), backend, upstreamUri(ex, backend),
        HeaderPolicy.upstreamHeaders(ex.requestHeaders(), backend, ex.proxyKey()), bodyFor(ex, agent),
        ex.response(), reply);
    return call.run().compose(outcome -> {
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("agent", agent.name());
      fields.put("backend", backend.name());
      fields.put("elapsedMs", (System.nanoTime() - started) / 1_000_000);
      if (outcome instanceof AttemptOutcome.Relayed r) {
        fields.put("status", r.status());
        events.emit(event(ex, "upstream", "answered", fields));
      } else if (outcome instanceof AttemptOutcome.ErrorAnswer e) {
        fields.put("status", e.status());
        events.emit(event(ex, "upstream", "answered with an error, relayed to the client", fields));
        relayError(ex, e, reply);
      } else if (outcome instanceof AttemptOutcome.Broken b) {
        fields.put("breakage", b.breakage().name());
        events.emit(event(ex, "upstream", b.message(), fields));
        ex.fail(switch (b.breakage()) {
          case TIMEOUT -> ClientError.upstreamTimeout(b.message() + ". Try again later or raise the backend's timeouts.");
          case CONNECT -> ClientError.upstreamUnreachable(b.message() + ". Check that the backend is running.");
          case STREAM_CUT -> ClientError.upstreamFailed(b.message() + ". The answer is incomplete; retry the request.");
        });
      } else {
        events.emit(event(ex, "client-gone", "client disconnected; upstream request cancelled", fields));
      }
      return Future.<Void>succeededFuture();
    });
  }

  /** The client's path on the backend's base URL, with the client's query string (e.g. Anthropic's ?beta=true). */
  private static String upstreamUri(Exchange ex, BackendConfig backend) {
    String query = ex.query();
    return backend.basePath() + ex.endpoint().path() + (query == null || query.isEmpty() ? "" : "?" + query);
  }

  /** The client's bytes, with only the model swapped when the agent's upstream model has another name. */
  private static Buffer bodyFor(Exchange ex, AgentDefinition agent) {
    if (agent.model().equals(ex.model())) return ex.body();
    Buffer spliced = JsonSplice.replaceTopLevelString(ex.body(), "model", agent.model());
    if (spliced != null) return spliced;
    var copy = ex.json().deepCopy();
    copy.put("model", agent.model());
    return Buffer.buffer(copy.toString());
  }

  /**
   * The backend speaks the client's protocol, so a JSON error body is already in the client's shape and passes as is;
   * anything else (an HTML page from a proxy, plain text) is wrapped in the protocol's error shape.
   */
  private static void relayError(Exchange ex, AttemptOutcome.ErrorAnswer e, MultiMap reply) {
    var resp = ex.response();
    if (resp.closed() || resp.ended()) return;
    String text = e.body().toString(StandardCharsets.UTF_8);
    if (looksLikeJson(text)) {
      resp.setStatusCode(e.status());
      resp.headers().addAll(HeaderPolicy.clientHeaders(e.headers())).addAll(reply);
      resp.end(e.body());
      return;
    }
    String snippet = text.strip();
    if (snippet.length() > 200) snippet = snippet.substring(0, 200) + "...";
    resp.headers().addAll(reply);
    String retryAfter = e.headers().get("retry-after");
    if (retryAfter != null) resp.putHeader("retry-after", retryAfter);
    String type = e.status() == 429 ? "rate_limit_error" : e.status() >= 500 ? "api_error" : "invalid_request_error";
    ex.fail(new ClientError(e.status(), type, e.status() == 429 ? "rate_limit_error" : e.status() >= 500 ? "server_error" : "invalid_request_error",
        "upstream_error", null, "The backend answered HTTP " + e.status() + (snippet.isEmpty() ? "" : ": " + snippet)));
  }

  private static boolean looksLikeJson(String text) {
    String t = text.strip();
    if (t.isEmpty() || (t.charAt(0) != '{' && t.charAt(0) != '[')) return false;
    try {
      JSON.readTree(t);
      return true;
    } catch (JsonProcessingException ignored) {
      return false;
    }
  }

  private GatewayEvent event(Exchange ex, String type, String reason, Map<String, Object> fields) {
    return new GatewayEvent(clock.instant(), type, ex.sessionId(), reason, fields);
  }
}
