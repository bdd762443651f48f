package dev.rebound.mockllm;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;

/**
 * The endpoints that imitate the providers. Every request is recorded and checked against the
 * fault script before it is answered.
 */
final class ProviderApi {

  private static final System.Logger LOG = System.getLogger(ProviderApi.class.getName());
  /** Bodies bigger than this are tokenized on a worker thread to keep the event loop responsive. */
  private static final int OFFLOAD_BYTES = 64 * 1024;
  private static final long MODELS_CREATED = 1_700_000_000L;
  /** Marks a body that is not JSON, as opposed to an empty one. */
  private static final Object NOT_JSON = new Object();

  private final Vertx vertx;
  private final MockLlmOptions options;
  private final FaultScript faults;
  private final RateLimit rateLimit;
  private final RequestLog log;
  private final TokenCounter tokens;

  ProviderApi(Vertx vertx, MockLlmOptions options, FaultScript faults, RateLimit rateLimit, RequestLog log,
      TokenCounter tokens) {
    this.rateLimit = rateLimit;
    this.vertx = vertx;
    this.options = options;
    this.faults = faults;
    this.log = log;
    this.tokens = tokens;
  }

  /** What an endpoint does once the request is recorded and no status fault took over. */
  private interface Answer {
    void answer(Exchange exchange, Object json, Buffer raw, Overrides overrides);
  }

  /** Per-request overrides from the {@code x-mock-*} headers; {@code problem} is set when one is invalid. */
  private record Overrides(long chunkDelayMs, int replyWords, String problem) {
  }

  void chatCompletions(RoutingContext ctx) {
    receive(ctx, OpenAiDialect.INSTANCE, (exchange, json, raw, overrides) ->
        chat(exchange, OpenAiDialect.INSTANCE, json, raw, overrides));
  }

  void messages(RoutingContext ctx) {
    receive(ctx, AnthropicDialect.INSTANCE, (exchange, json, raw, overrides) ->
        chat(exchange, AnthropicDialect.INSTANCE, json, raw, overrides));
  }

  void responses(RoutingContext ctx) {
    receive(ctx, ResponsesDialect.INSTANCE, (exchange, json, raw, overrides) ->
        chat(exchange, ResponsesDialect.INSTANCE, json, raw, overrides));
  }

  void countTokens(RoutingContext ctx) {
    Dialect dialect = AnthropicDialect.INSTANCE;
    receive(ctx, dialect, (exchange, json, raw, overrides) -> {
      if (!(json instanceof JsonObject body)) {
        sendJson(exchange, 400, dialect.invalidRequest(dialect.malformedBodyMessage(), null));
        return;
      }
      read(dialect, body, raw).onComplete(ar -> {
        if (ar.failed()) {
          sendReadFailure(exchange, dialect, ar.cause());
        } else {
          sendJson(exchange, 200, new JsonObject().put("input_tokens", ar.result().promptTokens()));
        }
      });
    });
  }

  /** vLLM's list shape: OpenAI's, plus max_model_len so clients can learn the context window. */
  void models(RoutingContext ctx) {
    receive(ctx, OpenAiDialect.INSTANCE, (exchange, json, raw, overrides) -> {
      JsonArray data = new JsonArray();
      for (MockModel model : options.models()) {
        data.add(new JsonObject()
            .put("id", model.name())
            .put("object", "model")
            .put("created", MODELS_CREATED)
            .put("owned_by", "mock-llm")
            .put("max_model_len", model.contextWindow()));
      }
      sendJson(exchange, 200, new JsonObject().put("object", "list").put("data", data));
    });
  }

  /** llama.cpp's server properties, for the loaded (first configured) model. */
  void llamaCppProps(RoutingContext ctx) {
    receive(ctx, OpenAiDialect.INSTANCE,
        (exchange, json, raw, overrides) -> sendLoadedModel(exchange, ServerInfo::llamaCppProps));
  }

  /** TGI's server info, for the loaded (first configured) model. */
  void tgiInfo(RoutingContext ctx) {
    receive(ctx, OpenAiDialect.INSTANCE,
        (exchange, json, raw, overrides) -> sendLoadedModel(exchange, ServerInfo::tgiInfo));
  }

  /** Ollama's model details for {@code {"model": name}} (older clients send {@code {"name": name}}). */
  void ollamaShow(RoutingContext ctx) {
    receive(ctx, OpenAiDialect.INSTANCE, (exchange, json, raw, overrides) -> {
      if (!(json instanceof JsonObject body)) {
        sendJson(exchange, 400, ServerInfo.ollamaError(json == null ? "missing request body" : "invalid request body"));
        return;
      }
      String name = nonEmptyString(body.getValue("model"));
      if (name == null) {
        name = nonEmptyString(body.getValue("name"));
      }
      if (name == null) {
        sendJson(exchange, 400, ServerInfo.ollamaError("model is required"));
        return;
      }
      for (MockModel model : options.models()) {
        if (model.name().equals(name)) {
          sendJson(exchange, 200, ServerInfo.ollamaShow(model));
          return;
        }
      }
      sendJson(exchange, 404, ServerInfo.ollamaNotFound(name));
    });
  }

  /** A single-model server's info about its model; with no model configured, 503 as llama.cpp while loading. */
  private void sendLoadedModel(Exchange exchange, Function<MockModel, JsonObject> info) {
    if (options.models().isEmpty()) {
      sendJson(exchange, 503, new JsonObject().put("error", new JsonObject().put("code", 503)
          .put("message", "mock-llm has no configured model").put("type", "unavailable_error")));
    } else {
      sendJson(exchange, 200, info.apply(options.models().get(0)));
    }
  }

  private static String nonEmptyString(Object value) {
    return value instanceof String s && !s.isEmpty() ? s : null;
  }

  /** Reads the body, records the request, picks its fault, then hands over to {@code answer}. */
  private void receive(RoutingContext ctx, Dialect dialect, Answer answer) {
    HttpServerRequest request = ctx.request();
    long receivedAt = System.currentTimeMillis();
    request.body().onSuccess(raw -> {
      Object json = parse(raw);
      Object logged = raw.length() == 0 ? null : json == NOT_JSON ? raw.toString() : json;
      RecordedRequest record = log.record(request.method().name(), request.path(), request.headers(), logged,
          raw.length(), receivedAt);
      String model = json instanceof JsonObject o && o.getValue("model") instanceof String m ? m : null;
      Fault fault = faults.take(request.path(), model, lazyText(raw));
      record.fault(fault);
      Overrides overrides = overrides(request.headers());
      Exchange exchange = new Exchange(vertx, request.response(), record, fault, overrides.chunkDelayMs());
      try {
        RateLimit.Verdict limited = fault != null && fault.status() != null ? null : rateLimit.take(receivedAt);
        if (limited != null) limited.putHeaders(request.response(), dialect instanceof AnthropicDialect);
        if (fault != null && fault.status() != null) {
          sendFault(exchange, dialect, fault, model);
        } else if (limited != null && !limited.allowed()) {
          sendJson(exchange, 429, dialect.errorForStatus(429, model));
        } else if (overrides.problem() != null) {
          sendJson(exchange, 400, dialect.invalidRequest(overrides.problem(), null));
        } else {
          answer.answer(exchange, json, raw, overrides);
        }
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "mock-llm failed to answer " + request.path(), e);
        sendJson(exchange, 500, dialect.errorForStatus(500, model));
      }
    }).onFailure(cause -> {
      // The body could not be read (usually the client went away mid-body): answer if anyone is still there.
      LOG.log(System.Logger.Level.WARNING, "mock-llm could not read the body of " + request.path() + ": " + cause);
      HttpServerResponse response = request.response();
      if (!response.ended() && !response.closed() && !response.headWritten()) {
        response.setStatusCode(400).putHeader("content-type", "application/json")
            .end(dialect.invalidRequest("could not read the request body: " + cause.getMessage(), null).toBuffer());
      }
    });
  }

  private void chat(Exchange exchange, Dialect dialect, Object json, Buffer raw, Overrides overrides) {
    if (!(json instanceof JsonObject body)) {
      sendJson(exchange, 400, dialect.invalidRequest(dialect.malformedBodyMessage(), null));
      return;
    }
    read(dialect, body, raw).onComplete(ar -> {
      if (ar.failed()) {
        sendReadFailure(exchange, dialect, ar.cause());
        return;
      }
      ChatRequest request = ar.result();
      int window = options.contextWindowFor(request.model());
      if (request.promptTokens() > window) {
        sendJson(exchange, 400, dialect.promptTooLong(window, request.promptTokens()));
      } else if (request.maxTokens() != null && (long) request.promptTokens() + request.maxTokens() > window) {
        sendJson(exchange, 400, dialect.promptPlusOutputTooLong(window, request.promptTokens(), request.maxTokens()));
      } else {
        answer(exchange, dialect, request, ReplyPlan.plan(request, overrides.replyWords(), tokens));
      }
    });
  }

  private void answer(Exchange exchange, Dialect dialect, ChatRequest request, ReplyPlan plan) {
    Fault fault = exchange.fault();
    boolean streamError = fault != null && fault.streamErrorAfterChunks() != null;
    if (request.stream()) {
      exchange.stream(dialect.stream(request, plan), streamError ? errorEvent(dialect, fault.event()) : null);
    } else if (streamError) {
      // A non-streaming client cannot get an event mid-body; it gets the error as the whole answer.
      Object event = fault.event();
      if (event instanceof String rawEvent) {
        exchange.respond(dialect.streamErrorStatus(), "text/plain", Buffer.buffer(rawEvent), Outcome.FAULT);
      } else {
        JsonObject data = event instanceof JsonObject o ? o : dialect.defaultStreamError();
        exchange.respond(dialect.streamErrorStatus(), "application/json", data.toBuffer(), Outcome.FAULT);
      }
    } else {
      sendJson(exchange, 200, dialect.completion(request, plan));
    }
  }

  private static String errorEvent(Dialect dialect, Object event) {
    if (event instanceof String raw) {
      return raw;
    }
    return dialect.streamErrorEvent(event instanceof JsonObject data ? data : dialect.defaultStreamError());
  }

  private Future<ChatRequest> read(Dialect dialect, JsonObject body, Buffer raw) {
    if (raw.length() > OFFLOAD_BYTES) {
      return vertx.executeBlocking(() -> dialect.read(body, tokens), false);
    }
    try {
      return Future.succeededFuture(dialect.read(body, tokens));
    } catch (InvalidRequestException e) {
      return Future.failedFuture(e);
    }
  }

  private void sendReadFailure(Exchange exchange, Dialect dialect, Throwable cause) {
    if (cause instanceof InvalidRequestException invalid) {
      sendJson(exchange, 400, dialect.invalidRequest(invalid.getMessage(), invalid.param));
    } else {
      LOG.log(System.Logger.Level.ERROR, "mock-llm failed to read a request", cause);
      sendJson(exchange, 500, dialect.errorForStatus(500, null));
    }
  }

  /**
   * A scripted status answer. A JSON body is sent as JSON; a string is sent raw (HTML if it looks
   * like markup); no body means the provider's usual error for that status.
   */
  private static void sendFault(Exchange exchange, Dialect dialect, Fault fault, String model) {
    Object body = fault.body();
    if (body == null) {
      exchange.respond(fault.status(), "application/json",
          dialect.errorForStatus(fault.status(), model).toBuffer(), Outcome.FAULT);
    } else if (body instanceof String text) {
      String type = text.startsWith("<") ? "text/html; charset=utf-8" : "text/plain; charset=utf-8";
      exchange.respond(fault.status(), type, Buffer.buffer(text), Outcome.FAULT);
    } else {
      exchange.respond(fault.status(), "application/json", Buffer.buffer(io.vertx.core.json.Json.encode(body)),
          Outcome.FAULT);
    }
  }

  private static void sendJson(Exchange exchange, int status, JsonObject body) {
    exchange.respond(status, "application/json", body.toBuffer(), Outcome.COMPLETED);
  }

  private Overrides overrides(MultiMap headers) {
    String words = headers.get("x-mock-reply-words");
    String delay = headers.get("x-mock-chunk-delay-ms");
    long chunkDelayMs = options.chunkDelayMs();
    int replyWords = options.replyWords();
    try {
      if (words != null) {
        replyWords = Integer.parseInt(words.trim());
        if (replyWords < 1) {
          return new Overrides(chunkDelayMs, options.replyWords(), "x-mock-reply-words must be >= 1, got " + words);
        }
      }
    } catch (NumberFormatException e) {
      return new Overrides(chunkDelayMs, options.replyWords(), "x-mock-reply-words must be an integer, got " + words);
    }
    try {
      if (delay != null) {
        chunkDelayMs = Long.parseLong(delay.trim());
        if (chunkDelayMs < 0) {
          return new Overrides(0, replyWords, "x-mock-chunk-delay-ms must be >= 0, got " + delay);
        }
      }
    } catch (NumberFormatException e) {
      return new Overrides(0, replyWords, "x-mock-chunk-delay-ms must be an integer, got " + delay);
    }
    return new Overrides(chunkDelayMs, replyWords, null);
  }

  private static Object parse(Buffer raw) {
    if (raw.length() == 0) {
      return null;
    }
    try {
      return raw.toJsonValue();
    } catch (DecodeException e) {
      return NOT_JSON;
    }
  }

  /** Decodes the body for {@code match.contains} only when a fault asks for it, and only once. */
  private static Fault.RawBody lazyText(Buffer raw) {
    return new Fault.RawBody() {
      private String text;

      @Override
      public String text() {
        if (text == null) {
          text = raw.toString();
        }
        return text;
      }
    };
  }
}
