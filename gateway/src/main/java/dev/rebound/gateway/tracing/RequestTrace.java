package dev.rebound.gateway.tracing;

import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.vertx.core.MultiMap;
import java.util.Collection;
import java.util.Map;

/**
 * One model request's spans: the server span, and a child span per upstream attempt whose {@code traceparent} goes
 * upstream with it, so the backend's own spans join the trace. Every decision the request reports passes through here
 * on its way to the next sink and becomes a span event: on the attempt in flight (its failure, its answer), else on the
 * request (waits, retries, fallbacks, give-ups). The event that judges an attempt ends its span, with the outcome,
 * status and failure kind as attributes.
 *
 * <p>Not thread-safe, and needs not be: a request is served on one event loop, and its events are emitted there.
 */
public final class RequestTrace implements EventSink {
  static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
  static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
  static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("rebound.request_id");
  static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("rebound.session_id");
  static final AttributeKey<String> MODEL = AttributeKey.stringKey("rebound.model");
  static final AttributeKey<Boolean> STREAM = AttributeKey.booleanKey("rebound.stream");
  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("rebound.route");
  static final AttributeKey<String> TENANT = AttributeKey.stringKey("rebound.tenant");
  static final AttributeKey<String> AGENT = AttributeKey.stringKey("rebound.agent");
  static final AttributeKey<String> BACKEND = AttributeKey.stringKey("rebound.backend");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("rebound.attempt");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("rebound.outcome");
  static final AttributeKey<String> FAILURE_KIND = AttributeKey.stringKey("rebound.failure.kind");
  static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
  /** The outcome of an attempt whose judging event never came (the request failed inside the gateway). */
  static final String UNJUDGED = "unjudged";

  private final Tracer tracer;
  private final Span span;
  private final EventSink next;
  /** The attempt in flight; null between attempts. */
  private Span attempt;

  RequestTrace(Tracer tracer, Span span, EventSink next) {
    this.tracer = tracer;
    this.span = span;
    this.next = next;
  }

  /** What the front door read from the request. */
  public void described(String model, boolean stream, String sessionId) {
    if (model != null) span.setAttribute(MODEL, model);
    span.setAttribute(STREAM, stream);
    if (sessionId != null) span.setAttribute(SESSION_ID, sessionId);
  }

  @Override
  public void emit(GatewayEvent event) {
    Span on = attempt != null ? attempt : span;
    if (on.isRecording()) on.addEvent(event.type().id(), attributes(event), event.at());
    if (attempt != null && judgesAttempt(event.type())) attemptEnded(event);
    next.emit(event);
  }

  private static boolean judgesAttempt(EventType type) {
    return type == EventType.FAILURE || type == EventType.ANSWERED || type == EventType.CLIENT_GONE;
  }

  /**
   * An attempt is sent: its span starts, and its {@code traceparent} (and {@code tracestate}) replace any the
   * client sent in the upstream headers, since the backend's work is a child of this attempt.
   */
  public void attemptStarted(String agent, String backend, String model, int number, MultiMap upstreamHeaders) {
    if (attempt != null) attempt.setAttribute(OUTCOME, UNJUDGED).end();
    attempt = tracer.spanBuilder("attempt " + agent)
        .setParent(Context.root().with(span))
        .setSpanKind(SpanKind.CLIENT)
        .setAttribute(AGENT, agent)
        .setAttribute(BACKEND, backend)
        .setAttribute(MODEL, model)
        .setAttribute(ATTEMPT, (long) number)
        .startSpan();
    upstreamHeaders.remove("traceparent");
    upstreamHeaders.remove("tracestate");
    W3CTraceContextPropagator.getInstance().inject(Context.root().with(attempt), upstreamHeaders, MultiMap::set);
  }

  private void attemptEnded(GatewayEvent judged) {
    attempt.setAttribute(OUTCOME, judged.type().id());
    if (judged.fields().get("status") instanceof Number status) attempt.setAttribute(HTTP_STATUS, status.longValue());
    if (judged.fields().get("kind") instanceof String kind) {
      attempt.setAttribute(FAILURE_KIND, kind);
      attempt.setStatus(StatusCode.ERROR, kind);
    }
    attempt.end(judged.at());
    attempt = null;
  }

  /** The response went out (or the client left): the request's span ends with what was answered. */
  public void ended(int status, String route, String tenant) {
    if (attempt != null) {
      attempt.setAttribute(OUTCOME, UNJUDGED).end();
      attempt = null;
    }
    span.setAttribute(HTTP_STATUS, (long) status);
    if (route != null) span.setAttribute(ROUTE, route);
    if (tenant != null) span.setAttribute(TENANT, tenant);
    // a server span is an error when the server failed, not when it rightly refused the client
    if (status >= 500) span.setStatus(StatusCode.ERROR);
    span.end();
  }

  private static Attributes attributes(GatewayEvent e) {
    AttributesBuilder b = Attributes.builder();
    if (e.reason() != null) b.put(REASON, e.reason());
    if (e.severity() == GatewayEvent.Severity.WARNING) b.put("severity", "WARNING");
    for (Map.Entry<String, Object> f : e.fields().entrySet()) {
      Object v = f.getValue();
      if (v instanceof Integer || v instanceof Long || v instanceof Short) b.put(f.getKey(), ((Number) v).longValue());
      else if (v instanceof Number n) b.put(f.getKey(), n.doubleValue());
      else if (v instanceof Boolean bool) b.put(f.getKey(), bool);
      else if (v instanceof Collection<?> c) b.put(AttributeKey.stringArrayKey(f.getKey()), c.stream().map(String::valueOf).toList());
      else if (v != null) b.put(f.getKey(), String.valueOf(v));
    }
    return b.build();
  }
}
