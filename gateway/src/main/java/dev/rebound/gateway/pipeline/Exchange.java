package dev.rebound.gateway.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.Endpoint;
import dev.rebound.gateway.reply.ErrorReply;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.gateway.wire.WireFormats;
import dev.rebound.routing.AttemptPlan;
import dev.rebound.routing.Protocol;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * One client request as it moves through the pipeline: parsed once by its front door, then enriched by each step
 * (tenant, plan) and finally answered. It also owns the client response, so every step answers the same way.
 */
public final class Exchange {
  private final RoutingContext ctx;
  private final Endpoint endpoint;
  private final Buffer body;
  private final ObjectNode json;
  private final String model;
  private final boolean stream;
  private final String sessionId;
  private final long startNanos = System.nanoTime();
  private final RequestRecord record;

  private String tenant;
  private String proxyKey;
  private AttemptPlan plan;
  private SessionTurn session;
  private ObjectNode jsonToSend;
  private Buffer bodyToSend;
  private dev.rebound.gateway.context.ContextRequest context;
  private int promptTokens = -1;
  private String routeOnOverflow;

  public Exchange(RoutingContext ctx, Endpoint endpoint, Buffer body, ObjectNode json, String model, boolean stream,
      String sessionId, RequestRecord record) {
    this.record = record;
    this.ctx = ctx;
    this.endpoint = endpoint;
    this.body = body;
    this.json = json;
    this.model = model;
    this.stream = stream;
    this.sessionId = sessionId;
  }

  public Protocol protocol() {
    return endpoint.protocol();
  }

  /** The client's wire format: how its errors, streams and answers look. */
  public WireFormat format() {
    return WireFormats.of(endpoint.protocol());
  }

  public Endpoint endpoint() {
    return endpoint;
  }

  /** The request body exactly as the client sent it. */
  public Buffer body() {
    return body;
  }

  public ObjectNode json() {
    return json;
  }

  public String model() {
    return model;
  }

  public boolean stream() {
    return stream;
  }

  /** The session id bound by the {@code /s/{id}/} prefix or a session header; null when there is none. */
  public String sessionId() {
    return sessionId;
  }

  public long startNanos() {
    return startNanos;
  }

  /** The request's id (x-request-id), what it did so far, and the sink its events go through to carry that id. */
  public RequestRecord record() {
    return record;
  }

  /** Where this request's decisions go: each leaves with the request id. */
  public dev.rebound.gateway.events.EventSink events() {
    return record;
  }

  public MultiMap requestHeaders() {
    return ctx.request().headers();
  }

  /** The query string of the client's request, without '?', or null. */
  public String query() {
    return ctx.request().query();
  }

  public String tenant() {
    return tenant;
  }

  /** The proxy key the client authenticated with; it identifies a tenant and is never sent upstream. */
  public String proxyKey() {
    return proxyKey;
  }

  void authenticated(String tenant, String proxyKey) {
    this.tenant = tenant;
    this.proxyKey = proxyKey;
  }

  public AttemptPlan plan() {
    return plan;
  }

  void planned(AttemptPlan plan) {
    this.plan = plan;
  }

  /** This request's turn in its session; null when the request names no session. */
  public SessionTurn session() {
    return session;
  }

  void bound(SessionTurn turn) {
    this.session = turn;
  }

  private Future<Void> sessionWrites = Future.succeededFuture();

  /**
   * Runs a session write after the ones already queued for this exchange, so each sees the version the last one left.
   */
  Future<Void> afterSessionWrites(java.util.function.Supplier<Future<Void>> write) {
    sessionWrites = sessionWrites.transform(ar -> write.get());
    return sessionWrites;
  }

  boolean sessionWriteInFlight() {
    return !sessionWrites.isComplete();
  }

  /** The body for the upstream: the client's bytes, unless the gateway changed the messages (resume). */
  public Buffer bodyToSend() {
    return bodyToSend != null ? bodyToSend : body;
  }

  public ObjectNode jsonToSend() {
    return jsonToSend != null ? jsonToSend : json;
  }

  /** Sends these messages upstream instead of the client's (the stored history prepended on resume). */
  void replaceMessages(com.fasterxml.jackson.databind.node.ArrayNode messages) {
    ObjectNode copy = json.deepCopy();
    copy.set("messages", messages);
    this.jsonToSend = copy;
    this.bodyToSend = Buffer.buffer(copy.toString());
  }

  /** The conversation as the context step counts and fits it; null before ContextGuard ran. */
  public dev.rebound.gateway.context.ContextRequest context() {
    return context;
  }

  /** Prompt tokens counted for the requested model (routing's token ranges and window fit); -1 when not counted. */
  public int promptTokens() {
    return promptTokens;
  }

  void counted(dev.rebound.gateway.context.ContextRequest context, int promptTokens) {
    this.context = context;
    this.promptTokens = promptTokens;
  }

  /** The chosen route's own context.onOverflow; null when it has none. */
  public String routeOnOverflow() {
    return routeOnOverflow;
  }

  void routeOnOverflow(String policy) {
    this.routeOnOverflow = policy;
  }

  public HttpServerResponse response() {
    return ctx.response();
  }

  public boolean responseStarted() {
    return ctx.response().headWritten() || ctx.response().ended();
  }

  /** Answers with an error in the client's protocol, however far the response has got (see ErrorReply). */
  public void fail(ClientError error) {
    ErrorReply.send(ctx.response(), ctx.request().connection(), format(), error);
  }
}
