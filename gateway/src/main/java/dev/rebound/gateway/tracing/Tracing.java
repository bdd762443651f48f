package dev.rebound.gateway.tracing;

import dev.rebound.gateway.config.TracingConfig;
import dev.rebound.gateway.events.EventSink;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerRequest;
import java.util.logging.Logger;

/**
 * The gateway's tracer: a server span per model request ({@link RequestTrace}), continuing the client's
 * {@code traceparent} when it sent one. Off unless {@code tracing.otlp} is configured, and then {@link #request}
 * answers null: the request path pays one null check, and no SDK, exporter or thread exists.
 */
public final class Tracing {
  private static final Logger LOG = Logger.getLogger(Tracing.class.getName());
  public static final Tracing OFF = new Tracing(null);
  static final String INSTRUMENTATION = "dev.rebound.gateway";
  private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");

  private final SdkTracerProvider provider;
  private final Tracer tracer;

  private Tracing(SdkTracerProvider provider) {
    this.provider = provider;
    this.tracer = provider == null ? null : provider.get(INSTRUMENTATION);
  }

  /** Spans exported over OTLP/HTTP as configured; {@link #OFF} when tracing is not configured. */
  public static Tracing of(TracingConfig config) {
    if (!config.enabled()) return OFF;
    TracingConfig.Otlp otlp = config.otlp();
    OtlpHttpSpanExporterBuilder exporter = OtlpHttpSpanExporter.builder()
        .setEndpoint(otlp.endpoint())
        .setTimeout(otlp.timeout());
    otlp.headers().forEach(exporter::addHeader);
    LOG.info("tracing: spans go to " + otlp.endpoint() + " as service " + otlp.serviceName() + ", sampling "
        + otlp.sampleRatio() + " of new traces");
    return exportingTo(exporter.build(), otlp.serviceName(), otlp.sampleRatio());
  }

  private static Tracing exportingTo(SpanExporter exporter, String serviceName, double sampleRatio) {
    return new Tracing(SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(SERVICE_NAME, serviceName))))
        // a client that sent a traceparent already decided whether its trace is kept
        .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(sampleRatio)))
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
        .build());
  }

  public boolean enabled() {
    return provider != null;
  }

  /**
   * The span of one model request, child of the client's trace when it sent a {@code traceparent}; null when tracing
   * is off. Its events pass on to {@code next}.
   *
   * @param route the endpoint as routed (low cardinality: no session id), e.g. /v1/chat/completions
   */
  public RequestTrace request(HttpServerRequest request, String route, String requestId, EventSink next) {
    if (tracer == null) return null;
    Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), request.headers(), HEADERS);
    Span span = tracer.spanBuilder(request.method().name() + " " + route)
        .setParent(parent)
        .setSpanKind(SpanKind.SERVER)
        .setAttribute(RequestTrace.HTTP_METHOD, request.method().name())
        .setAttribute(RequestTrace.URL_PATH, request.path())
        .setAttribute(RequestTrace.HTTP_ROUTE, route)
        .setAttribute(RequestTrace.REQUEST_ID, requestId)
        .startSpan();
    return new RequestTrace(tracer, span, next);
  }

  /** Exports what is still batched, then stops the exporter; never blocks the caller. */
  public Future<Void> close() {
    if (provider == null) return Future.succeededFuture();
    Promise<Void> closed = Promise.promise();
    CompletableResultCode done = provider.shutdown();
    done.whenComplete(() -> {
      if (!done.isSuccess()) LOG.warning("tracing: the last spans could not be exported when stopping");
      closed.tryComplete();
    });
    return closed.future();
  }

  private static final TextMapGetter<MultiMap> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(MultiMap carrier) {
      return carrier.names();
    }

    @Override
    public String get(MultiMap carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };
}
