package dev.rebound.gateway.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.reply.HttpReplyChannel;
import dev.rebound.gateway.reply.Reply;
import dev.rebound.gateway.reply.ReplyChannel;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.TokenUsage;
import dev.rebound.gateway.wire.Endpoint;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.gateway.wire.formats.WireFormats;
import dev.rebound.routing.AttemptPlan;
import dev.rebound.routing.Protocol;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;

/**
 * One client request as it moves through the pipeline: parsed once by its front door, enriched by each step on the way
 * in (tenant, session turn, plan), ended with a {@link Result}, and answered through its {@link Reply}, the one writer
 * of the client response.
 */
public final class Exchange {
  private final HttpServerRequest request;
  /** Without a client connection (a background job's run): its headers, query and where its reply is recorded. */
  private final MultiMap headers;
  private final String query;
  private final ReplyChannel channel;
  /** The run's own wait budget (a background job's time to its deadline); null: the configured one. */
  private final java.time.Duration waitBudget;
  private final Endpoint endpoint;
  private final WireFormat format;
  private final Buffer body;
  private final ObjectNode json;
  private final String model;
  private final boolean stream;
  private String sessionId;
  /** The response id the client was given before the run (a background job's); null: the stream's own. */
  private String responseId;
  /** The events of this answer the client already has (a background job's earlier runs); empty for a new answer. */
  private List<SseEvent> resumeAfter = List.of();
  private final long startNanos = System.nanoTime();
  private final RequestRecord record;

  private String tenant;
  private String proxyKey;
  private AttemptPlan plan;
  private SessionTurn session;
  private ObjectNode jsonToSend;
  private ObjectNode completed;
  private Buffer bodyToSend;
  private dev.rebound.gateway.context.ContextRequest context;
  private final dev.rebound.gateway.context.ContentDigests digests = new dev.rebound.gateway.context.ContentDigests();
  private int promptTokens = -1;
  private String routeOnOverflow;

  private Reply reply;
  private Result result;
  private dev.rebound.gateway.tracing.RequestTrace trace;
  private SessionJournal.Writes sessionWrites;

  public Exchange(RoutingContext ctx, Endpoint endpoint, Buffer body, ObjectNode json, String model, boolean stream,
      String sessionId, RequestRecord record) {
    this(ctx.request(), endpoint, body, json, model, stream, sessionId, record);
  }

  public Exchange(HttpServerRequest request, Endpoint endpoint, Buffer body, ObjectNode json, String model,
      boolean stream, String sessionId, RequestRecord record) {
    this(request, null, null, null, endpoint, body, json, model, stream, sessionId, record, null, null);
  }

  /**
   * A run that no client connection waits for (a background response): its reply goes to {@code channel}, its tenant
   * was authenticated when the job was accepted, and it may wait for backends up to {@code waitBudget}.
   */
  public Exchange(MultiMap headers, String query, ReplyChannel channel, Endpoint endpoint, Buffer body, ObjectNode json,
      String model, boolean stream, String sessionId, RequestRecord record, String tenant, java.time.Duration waitBudget) {
    this(null, headers, query, channel, endpoint, body, json, model, stream, sessionId, record, tenant, waitBudget);
  }

  private Exchange(HttpServerRequest request, MultiMap headers, String query, ReplyChannel channel, Endpoint endpoint,
      Buffer body, ObjectNode json, String model, boolean stream, String sessionId, RequestRecord record, String tenant,
      java.time.Duration waitBudget) {
    this.record = record;
    this.request = request;
    this.headers = headers;
    this.query = query;
    this.channel = channel;
    this.waitBudget = waitBudget;
    this.format = WireFormats.of(endpoint.protocol());
    this.endpoint = endpoint;
    this.body = body;
    this.json = json;
    this.model = model;
    this.stream = stream;
    this.sessionId = sessionId;
    this.tenant = tenant;
  }

  /**
   * The response id the client already holds for this run (a background job's id): every response object the run
   * produces, the turn its session stores and the response kept by id carry it instead of the backend's own.
   */
  public void respondAs(String id) {
    this.responseId = id;
  }

  /** The run continues an answer whose first events the client already has (see Reply#resumeAfter). */
  public void resumeAfter(List<SseEvent> sent) {
    this.resumeAfter = sent;
  }

  public List<SseEvent> resumedEvents() {
    return resumeAfter;
  }

  /** The response id the client already holds (a background job's); null when the answer's own id is the one. */
  public String responseId() {
    return responseId;
  }

  /** The wait budget of this request when it has its own (a background job's); null: the configured one. */
  public java.time.Duration waitBudget() {
    return waitBudget;
  }

  public Protocol protocol() {
    return endpoint.protocol();
  }

  /** The client's wire format: how its errors, streams and answers look. */
  public WireFormat format() {
    return format;
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

  /**
   * The session id bound by the {@code /s/{id}/} prefix or a session header, or given by the request's own state
   * ({@link #continueInSession}); null when there is none.
   */
  public String sessionId() {
    return sessionId;
  }

  /**
   * Binds the request to a session it names no other way (a Responses {@code previous_response_id}, or a response to
   * keep with {@code store: true}); before the session step runs.
   */
  public void continueInSession(String id) {
    this.sessionId = id;
  }

  public long startNanos() {
    return startNanos;
  }

  /** The request's id (x-request-id), what it did so far, and the sink its events go through to carry that id. */
  public RequestRecord record() {
    return record;
  }

  /** The request's spans; null when tracing is off. */
  public dev.rebound.gateway.tracing.RequestTrace trace() {
    return trace;
  }

  public void traced(dev.rebound.gateway.tracing.RequestTrace trace) {
    this.trace = trace;
  }

  /** Reports a decision about this request (stamped with its time, tenant, session and request id). */
  public void emit(EventType type, String reason, Map<String, Object> fields) {
    record.emit(type, tenant, sessionId, reason, fields, false);
  }

  /** A decision the client will see as an error: worth a warning. */
  public void warn(EventType type, String reason, Map<String, Object> fields) {
    record.emit(type, tenant, sessionId, reason, fields, true);
  }

  public MultiMap requestHeaders() {
    return request != null ? request.headers() : headers;
  }

  /** The query string of the client's request, without '?', or null. */
  public String query() {
    return request != null ? request.query() : query;
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

  /** The session journal's writes for this request (null without a session). */
  SessionJournal.Writes sessionWrites() {
    return sessionWrites;
  }

  void sessionWrites(SessionJournal.Writes writes) {
    this.sessionWrites = writes;
  }

  /** The body for the upstream: the client's bytes, unless the gateway changed the messages (resume). */
  public Buffer bodyToSend() {
    return bodyToSend != null ? bodyToSend : body;
  }

  public ObjectNode jsonToSend() {
    return jsonToSend != null ? jsonToSend : json;
  }

  /**
   * Sends these messages (as a session stores them) upstream instead of the client's (the stored history prepended on
   * resume).
   */
  void replaceMessages(com.fasterxml.jackson.databind.node.ArrayNode messages) {
    ObjectNode copy = asCompleted().deepCopy();
    format.layout().setSessionMessages(copy, messages);
    send(copy);
  }

  /**
   * Sends this request upstream instead of the client's: its conversation completed from the store, by a step before
   * the session's.
   */
  public void sendInstead(ObjectNode request) {
    this.completed = request;
    send(request);
  }

  /**
   * The request as the client sent it, or as a step before the session's completed it (previous_response_id): what
   * the session step binds, however often it binds again.
   */
  ObjectNode asCompleted() {
    return completed != null ? completed : json;
  }

  private void send(ObjectNode request) {
    this.jsonToSend = request;
    this.bodyToSend = Buffer.buffer(request.toString());
  }

  /** The conversation as the context step counts and fits it; null before ContextGuard ran. */
  public dev.rebound.gateway.context.ContextRequest context() {
    return context;
  }

  /** The content hashes of this request's messages: the session step and the context step each need them. */
  public dev.rebound.gateway.context.ContentDigests digests() {
    return digests;
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

  /** Where the reply is written: the client's response, or a background job's record of it. */
  ReplyChannel channel() {
    return channel != null ? channel : new HttpReplyChannel(request.response(), request.connection());
  }

  /** The one writer of the client response; set when the pipeline starts. */
  public Reply reply() {
    return reply;
  }

  void replyWith(Reply reply) {
    this.reply = reply;
  }

  /** The usage a whole answer in the client's format reports; read once per answer once the reply is set. */
  TokenUsage usageOfAnswer(Buffer body) {
    return reply != null ? reply.usageOfAnswer(body) : format().usageOfAnswer(body);
  }

  /** How the request ends; null until a step decided it. */
  public Result result() {
    return result;
  }

  void end(Result result) {
    this.result = result;
  }
}
