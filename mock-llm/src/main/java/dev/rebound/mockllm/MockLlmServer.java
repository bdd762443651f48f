package dev.rebound.mockllm;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * An HTTP server that answers like the OpenAI and Anthropic APIs, with deterministic replies, real
 * token counts, context-window errors and scripted faults, and that serves the model info endpoints of
 * vLLM, llama.cpp, Ollama and TGI. See the module README for the HTTP surface.
 */
public final class MockLlmServer {

  private final Vertx vertx;
  private final MockLlmOptions options;
  private final FaultScript faults = new FaultScript();
  private final RateLimit rateLimit = new RateLimit();
  private final RequestLog log;
  private HttpServer server;

  public MockLlmServer(Vertx vertx, MockLlmOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.log = new RequestLog(options.requestLogLimit());
    faults.add(options.initialFaults());
  }

  /** Binds the server; completes with the actual port (an ephemeral one when the options say 0). */
  public Future<Integer> start() {
    if (server != null) {
      return Future.failedFuture(new IllegalStateException("mock-llm is already started"));
    }
    // The tokenizer tables take a moment to load: do it off the event loop, once.
    return vertx.executeBlocking(TokenCounter::shared).compose(tokens -> {
      HttpServer http = vertx.createHttpServer(new HttpServerOptions()
          .setHost(options.host())
          .setPort(options.port())
          .setTcpNoDelay(true)
          .setHandle100ContinueAutomatically(true));
      server = http;
      return http.requestHandler(router(tokens)).listen().map(HttpServer::actualPort);
    });
  }

  /** The bound port. */
  public int port() {
    if (server == null || server.actualPort() <= 0) {
      throw new IllegalStateException("mock-llm is not started");
    }
    return server.actualPort();
  }

  /** {@code http://host:port}, for clients of the mock. */
  public String baseUrl() {
    return "http://" + options.host() + ":" + port();
  }

  public MockLlmOptions options() {
    return options;
  }

  public Future<Void> stop() {
    HttpServer running = server;
    server = null;
    return running == null ? Future.succeededFuture() : running.close();
  }

  /** Appends faults, as {@code POST /_mock/faults} does. */
  public void addFaults(JsonArray faults) {
    this.faults.add(Fault.listFromJson(faults));
  }

  /** What the mock received, as {@code GET /_mock/requests} returns it (a copy). */
  public JsonArray requests() {
    return log.toJson().copy();
  }

  /**
   * Limits model requests to {@code requests} per fixed window of {@code windowMs}, reported in rate-limit headers on
   * every answer and a 429 past it, as {@code POST /_mock/ratelimit} does; 0 requests turns it off.
   */
  public void rateLimit(int requests, long windowMs) {
    rateLimit.set(requests, windowMs);
  }

  /** Clears faults (including the initial ones), the rate limit and recorded requests, as {@code POST /_mock/reset} does. */
  public void reset() {
    faults.clear();
    rateLimit.clear();
    log.clear();
  }

  private Router router(TokenCounter tokens) {
    ProviderApi provider = new ProviderApi(vertx, options, faults, rateLimit, log, tokens);
    ControlApi control = new ControlApi(faults, log);
    Router router = Router.router(vertx);
    if (options.speaks(MockLlmOptions.OPENAI)) router.post("/v1/chat/completions").handler(provider::chatCompletions);
    if (options.speaks(MockLlmOptions.ANTHROPIC)) {
      router.post("/v1/messages").handler(provider::messages);
      router.post("/v1/messages/count_tokens").handler(provider::countTokens);
    }
    if (options.speaks(MockLlmOptions.RESPONSES)) router.post("/v1/responses").handler(provider::responses);
    router.get("/v1/models").handler(provider::models);
    router.get("/props").handler(provider::llamaCppProps);
    router.post("/api/show").handler(provider::ollamaShow);
    router.get("/info").handler(provider::tgiInfo);
    router.get("/health").handler(control::health);
    router.post("/_mock/faults").handler(control::addFaults);
    router.post("/_mock/ratelimit").handler(ctx -> ctx.request().body().onSuccess(b -> {
      io.vertx.core.json.JsonObject o;
      try {
        o = b.toJsonObject();
      } catch (RuntimeException e) {
        ctx.response().setStatusCode(400).end("{\"error\":\"body must be {\\\"requests\\\": N, \\\"windowMs\\\": W}\"}");
        return;
      }
      rateLimit(o.getInteger("requests", 0), o.getLong("windowMs", 60_000L));
      ctx.response().putHeader("content-type", "application/json").end(o.encode());
    }));
    router.get("/_mock/faults").handler(control::listFaults);
    router.get("/_mock/requests").handler(control::requests);
    router.post("/_mock/reset").handler(ctx -> {
      rateLimit.clear();
      control.reset(ctx);
    });
    router.errorHandler(404, ctx -> ctx.response().setStatusCode(404).putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", new JsonObject()
            .put("message", "mock-llm has no route " + ctx.request().method() + " " + ctx.request().path())
            .put("type", "invalid_request_error")).toBuffer()));
    return router;
  }
}
