package dev.rebound.gateway.compaction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.context.Summarizer;
import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.pipeline.TenantAuth;
import dev.rebound.gateway.reply.ErrorReply;
import dev.rebound.gateway.reply.HttpReplyChannel;
import dev.rebound.gateway.routes.RequestFeatures;
import dev.rebound.gateway.routes.RouteTable;
import dev.rebound.gateway.upstream.HeaderPolicy;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.GatewayException;
import dev.rebound.gateway.wire.RequestFields;
import dev.rebound.gateway.wire.formats.WireFormats;
import dev.rebound.routing.AgentDefinition;
import dev.rebound.routing.AttemptPlan;
import dev.rebound.routing.Protocol;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code POST /v1/responses/compact}, which Codex calls when its context fills: {@code {model, input: [items],
 * instructions, tools, ...}} in, {@code {"object": "response.compaction", "output": [items]}} out, the output
 * replacing Codex's history. A model routed to a Responses backend gets the request passed through (model rewritten);
 * a backend without the endpoint (404, 405, 501), or a model served by another protocol, is answered by the gateway:
 * the conversation summarized by the configured summarizer ({@code context.summarizer}), and the user's own messages
 * kept, as Codex's own local compaction does. Without a summarizer the older turns are dropped and the answer says so.
 */
public final class ResponsesCompaction {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String SUMMARY_INTRO = "The conversation so far was compacted by the Rebound gateway. Summary of it:\n\n";
  static final String NO_SUMMARY = "The conversation so far was compacted by the Rebound gateway, which has no "
      + "summarizer configured (context.summarizer): the earlier turns were dropped; the user's messages above are kept.";
  /** The user's own messages kept, newest first, up to about this many characters. */
  static final int KEPT_USER_CHARS = 40_000;

  private final ReboundConfig config;
  private final RouteTable routes;
  private final TenantAuth auth;
  private final Summarizer summarizer;
  private final EventSink events;
  private final Clock clock;
  private final HttpClient http;

  public ResponsesCompaction(Vertx vertx, ReboundConfig config, RouteTable routes, TenantAuth auth, Summarizer summarizer,
      EventSink events, Clock clock) {
    this.config = config;
    this.routes = routes;
    this.auth = auth;
    this.summarizer = summarizer;
    this.events = events;
    this.clock = clock;
    this.http = vertx.createHttpClient(new HttpClientOptions(), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(4));
  }

  public void handle(RoutingContext ctx) {
    TenantAuth.Identity identity;
    ObjectNode body;
    try {
      identity = auth.identify(ctx.request().headers());
      body = body(ctx);
    } catch (GatewayException e) {
      fail(ctx, e.error());
      return;
    }
    String model = body.get("model").textValue();
    AttemptPlan plan = routes.current().plan(RequestFeatures.of(WireFormats.of(Protocol.OPENAI_RESPONSES), body,
        ctx.request().headers(), "/v1/responses", identity.tenant(), null, Math.random()));
    AgentDefinition passTo = null;
    for (var candidate : plan.agents()) {
      if (candidate.agent().protocol() == Protocol.OPENAI_RESPONSES) {
        passTo = candidate.agent();
        break;
      }
    }
    if (passTo == null) {
      compactHere(ctx, body, identity, plan.isEmpty() ? "no route serves model '" + model + "'"
          : "no agent for model '" + model + "' speaks the Responses API");
      return;
    }
    AgentDefinition agent = passTo;
    BackendConfig backend = config.backend(agent.backend()).orElseThrow();
    ObjectNode sent = body.deepCopy().put("model", agent.model());
    MultiMap headers = HeaderPolicy.upstreamHeaders(ctx.request().headers(), Protocol.OPENAI_RESPONSES, backend,
        identity.proxyKey());
    headers.set("content-type", "application/json");
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setHost(backend.url().getHost())
        .setPort(backend.port()).setSsl(backend.tls()).setURI(backend.basePath() + "/v1/responses/compact")
        .setHeaders(headers).setTimeout(backend.timeouts().total().toMillis())
        .setConnectTimeout(backend.timeouts().connect().toMillis());
    http.request(o).compose(req -> req.send(Buffer.buffer(sent.toString())))
        .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), resp.headers(), b)))
        .onComplete(ar -> {
          if (ar.failed()) {
            compactHere(ctx, body, identity, "backend '" + backend.name() + "' could not be reached (" + ar.cause().getMessage() + ")");
            return;
          }
          Answer a = ar.result();
          if (a.status == 404 || a.status == 405 || a.status == 501) {
            compactHere(ctx, body, identity, "backend '" + backend.name() + "' has no /v1/responses/compact (it answered "
                + a.status + ")");
            return;
          }
          emit(identity.tenant(), "compaction passed through to agent " + agent.name() + " (backend " + backend.name()
              + "), which answered " + a.status, Map.of("agent", agent.name(), "status", a.status));
          ctx.response().setStatusCode(a.status).headers().addAll(HeaderPolicy.clientHeaders(a.headers));
          ctx.response().end(a.body);
        });
  }

  private record Answer(int status, MultiMap headers, Buffer body) {}

  private static ObjectNode body(RoutingContext ctx) {
    RequestFields.requireJson(ctx.request().getHeader("content-type"));
    Buffer raw = ctx.body().buffer();
    JsonNode root;
    try {
      root = raw == null || raw.length() == 0 ? null : JSON.readTree(raw.getBytes());
    } catch (java.io.IOException e) {
      throw new GatewayException(ClientError.invalidRequest("The request body is not valid JSON: " + e.getMessage(), null));
    }
    if (!(root instanceof ObjectNode body)) {
      throw new GatewayException(ClientError.invalidRequest("The request body must be a JSON object with model and input.", null));
    }
    if (!body.path("model").isTextual()) {
      throw new GatewayException(ClientError.invalidRequest("model: a string is required (the model the conversation is for).", "model"));
    }
    JsonNode input = body.get("input");
    if (input == null || !(input.isArray() || input.isTextual())) {
      throw new GatewayException(ClientError.invalidRequest("input: the conversation to compact is required, as a string or a list of items.", "input"));
    }
    return body;
  }

  /** The gateway's own compaction: the user's messages kept, then the summary (or the note that turns were dropped). */
  private void compactHere(RoutingContext ctx, ObjectNode body, TenantAuth.Identity identity, String why) {
    JsonNode input = body.get("input");
    List<JsonNode> items = new ArrayList<>();
    if (input.isTextual()) items.add(JSON.createObjectNode().put("role", "user").put("content", input.textValue()));
    else input.forEach(items::add);
    List<JsonNode> messages = new ArrayList<>();
    for (JsonNode item : items) {
      JsonNode m = asMessage(item);
      if (m != null) messages.add(m);
    }
    Future<String> summary = summarizer == null || messages.isEmpty()
        ? Future.succeededFuture(null) : summarizer.summarize(messages, identity.proxyKey());
    summary.onComplete(ar -> {
      String text;
      String how;
      if (ar.succeeded() && ar.result() != null) {
        text = SUMMARY_INTRO + ar.result();
        how = "summarized by " + summarizer.agentName();
      } else {
        text = NO_SUMMARY;
        how = summarizer == null ? "no summarizer is configured: older turns dropped"
            : "the summarizer failed (" + ar.cause() + "): older turns dropped";
      }
      ObjectNode out = JSON.createObjectNode().put("id", "resp_" + UUID.randomUUID().toString().replace("-", ""))
          .put("object", "response.compaction").put("created_at", clock.instant().getEpochSecond());
      ArrayNode output = out.putArray("output");
      keptUserMessages(items).forEach(output::add);
      output.add(userMessage(text));
      ObjectNode usage = out.putObject("usage");
      usage.put("input_tokens", 0).put("output_tokens", 0).put("total_tokens", 0);
      emit(identity.tenant(), "compaction of " + items.size() + " item(s) for model '" + body.get("model").textValue()
          + "' answered by the gateway (" + why + "): " + how, Map.of("items", items.size(), "kept", output.size()));
      ctx.response().putHeader("content-type", "application/json").end(out.toString());
    });
  }

  /** The user's messages, newest first up to about {@link #KEPT_USER_CHARS}, back in their order. */
  static List<JsonNode> keptUserMessages(List<JsonNode> items) {
    List<JsonNode> kept = new ArrayList<>();
    int chars = 0;
    for (int i = items.size() - 1; i >= 0; i--) {
      JsonNode item = items.get(i);
      if (!"user".equals(item.path("role").asText()) || !(item.path("type").isMissingNode() || "message".equals(item.path("type").asText()))) continue;
      String text = text(item.get("content"));
      if (text.isBlank()) continue;
      if (chars + text.length() > KEPT_USER_CHARS && !kept.isEmpty()) break;
      chars += text.length();
      kept.add(0, userMessage(text));
    }
    return kept;
  }

  private static ObjectNode userMessage(String text) {
    ObjectNode m = JSON.createObjectNode().put("type", "message").put("role", "user");
    m.putArray("content").addObject().put("type", "input_text").put("text", text);
    return m;
  }

  /** An input item as a message the summarizer reads (role and text); null for what carries no readable text. */
  static JsonNode asMessage(JsonNode item) {
    String type = item.path("type").asText("message");
    return switch (type) {
      case "message" -> JSON.createObjectNode().put("role", item.path("role").asText("user"))
          .put("content", text(item.get("content")));
      case "function_call", "custom_tool_call" -> JSON.createObjectNode().put("role", "assistant").put("content",
          "[called tool " + item.path("name").asText() + " " + item.path(type.equals("function_call") ? "arguments" : "input").asText() + "]");
      case "function_call_output", "custom_tool_call_output" -> JSON.createObjectNode().put("role", "user").put("content",
          "[tool result: " + (item.path("output").isTextual() ? item.path("output").asText() : item.path("output").toString()) + "]");
      default -> null; // reasoning (often encrypted), earlier compactions: nothing the summarizer can read
    };
  }

  private static String text(JsonNode content) {
    if (content == null || content.isNull()) return "";
    if (content.isTextual()) return content.textValue();
    StringBuilder b = new StringBuilder();
    for (JsonNode part : content) {
      JsonNode t = part.get("text");
      if (t != null && t.isTextual()) {
        if (b.length() > 0) b.append('\n');
        b.append(t.textValue());
      }
    }
    return b.toString();
  }

  private void emit(String tenant, String reason, Map<String, Object> fields) {
    events.emit(new GatewayEvent(clock.instant(), EventType.CONTEXT, tenant, null, reason, fields));
  }

  private static void fail(RoutingContext ctx, ClientError error) {
    ErrorReply.send(new HttpReplyChannel(ctx.response(), ctx.request().connection()),
        WireFormats.of(Protocol.OPENAI_RESPONSES), error);
  }

  public Future<Void> close() {
    return http.close();
  }
}
