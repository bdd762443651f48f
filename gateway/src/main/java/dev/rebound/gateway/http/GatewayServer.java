package dev.rebound.gateway.http;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.rebound.gateway.admin.AdminApi;
import dev.rebound.gateway.admin.AdminPage;
import dev.rebound.gateway.admin.LiveFeed;
import dev.rebound.gateway.admin.MetricsEndpoint;
import dev.rebound.gateway.admin.Readiness;
import dev.rebound.gateway.analytics.RecoveryAnalytics;
import dev.rebound.gateway.background.BackgroundJobs;
import dev.rebound.gateway.background.BackgroundLookup;
import dev.rebound.gateway.background.ConfiguredJobStore;
import dev.rebound.gateway.compaction.ResponsesCompaction;
import dev.rebound.gateway.config.ContextConfig;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.context.ContextFit;
import dev.rebound.gateway.context.ContextWindows;
import dev.rebound.gateway.context.Summarizer;
import dev.rebound.gateway.context.TokenCounter;
import dev.rebound.gateway.context.Tokenizers;
import dev.rebound.gateway.context.WindowDiscovery;
import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.failure.FailureClassifier;
import dev.rebound.gateway.metrics.GatewayMetrics;
import dev.rebound.gateway.metrics.StateGauges;
import dev.rebound.gateway.pipeline.AttemptLoop;
import dev.rebound.gateway.pipeline.ContextGuard;
import dev.rebound.gateway.pipeline.Exchange;
import dev.rebound.gateway.pipeline.Pipeline;
import dev.rebound.gateway.pipeline.RequestRecord;
import dev.rebound.gateway.pipeline.RoutePlanner;
import dev.rebound.gateway.pipeline.SessionJournal;
import dev.rebound.gateway.pipeline.TenantAuth;
import dev.rebound.gateway.pipeline.Timers;
import dev.rebound.gateway.recovery.BackendHealth;
import dev.rebound.gateway.recovery.HealthBoard;
import dev.rebound.gateway.recovery.HealthShare;
import dev.rebound.gateway.recovery.InFlightCounts;
import dev.rebound.gateway.recovery.Pacing;
import dev.rebound.gateway.recovery.Reachability;
import dev.rebound.gateway.reply.ErrorReply;
import dev.rebound.gateway.routes.ConfigWatcher;
import dev.rebound.gateway.routes.LiveAgentHealth;
import dev.rebound.gateway.routes.OutcomeBoard;
import dev.rebound.gateway.routes.OutcomeShare;
import dev.rebound.gateway.routes.TurnFeedback;
import dev.rebound.gateway.routes.RouteTable;
import dev.rebound.gateway.routes.SessionAffinity;
import dev.rebound.gateway.responses.ResponseState;
import dev.rebound.gateway.responses.ResponsesEndpoints;
import dev.rebound.gateway.sessions.ConfiguredStore;
import dev.rebound.gateway.sessions.SessionCache;
import dev.rebound.gateway.sessions.SessionEventRecorder;
import dev.rebound.gateway.tracing.RequestTrace;
import dev.rebound.gateway.tracing.Tracing;
import dev.rebound.gateway.upstream.BackendClients;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.Endpoint;
import dev.rebound.gateway.wire.GatewayException;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.gateway.wire.formats.WireFormats;
import dev.rebound.store.BufferedCheckpointStore;
import dev.rebound.store.SessionKey;
import dev.rebound.store.StoreInUseException;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Random;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The gateway's HTTP server: the front doors for both protocols (also under {@code /s/{sessionId}/} so a client that
 * only sets a base URL can bind a session), health, and error answers in the client's own protocol shape for every
 * path, including unknown ones.
 */
public final class GatewayServer {
  private static final Logger LOG = Logger.getLogger(GatewayServer.class.getName());
  private static final Pattern ENDPOINT_PATH =
      Pattern.compile("(/s/[^/]+)?/v1/(chat/completions|messages|messages/count_tokens|responses|models)/?");
  private static final String[] PREFIXES = {"", "/s/:sessionId"};
  /** Codex CLI's conversation id, sent on every Responses request (both spellings it has used). */
  private static final String[] CODEX_SESSION_HEADERS = {"session-id", "session_id"};
  /** Recent sessions whose history the gateway remembers, and the message identities over all of them. */
  static final int SESSIONS_KNOWN = 10_000;
  static final long MESSAGES_KNOWN = 500_000;
  /** How long a stop waits for the analytics table's last rows to be written. */
  static final java.time.Duration ANALYTICS_FLUSH = java.time.Duration.ofSeconds(5);

  private final Vertx vertx;
  private final ReboundConfig config;
  private final BackendClients clients;
  private final TenantAuth auth;
  private final HealthBoard health;
  /** Set when the store is Redis: backend health heard by every gateway on it. */
  private HealthShare healthShare;
  /** Set when the store is Redis: what agents' answers came to, and votes on them, heard by every gateway on it. */
  private OutcomeShare outcomeShare;
  private final OutcomeBoard outcomes;
  private final TurnFeedback feedback;
  private final RouteTable routes;
  private final LiveAgentHealth load;
  /** Request budgets per backend and model (shared with the other gateways on a Redis store). */
  private final Pacing pacing;
  private final InFlightCounts inFlight;
  private final AdminApi admin;
  private final ConfigWatcher watcher;
  private final SessionAffinity affinity;
  private final PrometheusMeterRegistry registry;
  private final GatewayMetrics metrics;
  private final Reachability reachability;
  private final RecoveryAnalytics analytics;
  private final LiveFeed live;
  private final Readiness readiness;
  private final EventSink events;
  private final Tracing tracing;
  private final Clock clock;
  private Pipeline pipeline;
  private BufferedCheckpointStore store;
  private TokenCounter counter;
  private SessionCache known;
  private final SessionEventRecorder recorder;
  private final FrontDoor frontDoor = new FrontDoor();
  private HttpServer server;
  private final ContextWindows windows;
  private final WindowDiscovery discovery;
  private final Summarizer summarizer;
  /** Background responses: their queue (beside the sessions) and the runs of this gateway. */
  private dev.rebound.store.ResponseJobStore jobStore;
  private BackgroundJobs background;
  private final ResponsesCompaction compaction;
  /** The attempt loop's waits; Vert.x timers unless a test turns them by hand. */
  private Timers timers;

  public GatewayServer(Vertx vertx, ReboundConfig config, EventSink events, Clock clock) {
    this(vertx, config, events, clock, null);
  }

  /** @param configFile watched for route changes; null when the config did not come from a file */
  public GatewayServer(Vertx vertx, ReboundConfig config, EventSink sink, Clock clock, Path configFile) {
    this(vertx, config, sink, clock, configFile, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /**
   * @param registry what /metrics serves; a Vert.x built to report into it (NetworkTransport.vertx) adds its HTTP
   *                 server and client, JVM and process meters to the gateway's own
   */
  public GatewayServer(Vertx vertx, ReboundConfig config, EventSink sink, Clock clock, Path configFile,
      PrometheusMeterRegistry registry) {
    this.registry = registry;
    new FileDescriptorMetrics().bindTo(registry);
    // every decision passes: the session's stream, metrics, reachability, recovery analytics, the dashboard, the log
    this.live = new LiveFeed(vertx, registry, clock, sink);
    this.analytics = RecoveryAnalytics.of(config, vertx, clock, live);
    this.reachability = new Reachability(config.backends(), analytics);
    this.metrics = new GatewayMetrics(registry, reachability);
    SessionEventRecorder events = new SessionEventRecorder(metrics, vertx, () -> store);
    this.recorder = events;
    this.vertx = vertx;
    this.config = config;
    this.clients = new BackendClients(vertx, config.backends());
    this.auth = new TenantAuth(config.tenants());
    this.health = new HealthBoard(config.backends(), config.resilience().breaker(), clock,
        t -> events.emit(breakerEvent(clock, t)));
    this.routes = new RouteTable(config.ruleSet());
    this.windows = new ContextWindows(config);
    this.outcomes = new OutcomeBoard(config.routing().outcomes(), clock);
    this.pacing = new Pacing(clock, config.resilience().paceBelow());
    this.inFlight = new InFlightCounts(agent -> {
      var a = routes.current().agent(agent);
      return a == null ? null : a.backend();
    });
    this.load = new LiveAgentHealth(health, a -> windows.of(a).window(), outcomes, inFlight);
    this.feedback = new TurnFeedback(outcomes, () -> store, events, events, clock);
    this.affinity = new SessionAffinity(100_000);
    this.events = events;
    this.tracing = Tracing.of(config.tracing());
    this.clock = clock;
    this.admin = new AdminApi(config, routes, health, load, () -> store, events, analytics, live, windows, clock, feedback);
    admin.backgroundJobs(() -> jobStore);
    this.watcher = configFile == null ? null : new ConfigWatcher(vertx, configFile, config, routes, events, clock);
    this.discovery = new WindowDiscovery(vertx, config, windows, events, clock);
    this.summarizer = summarizer();
    this.compaction = new ResponsesCompaction(vertx, config, routes, auth, summarizer, events, clock);
    this.readiness = new Readiness(vertx, config, () -> store, health, reachability, routes);
  }

  /** A breaker opening cuts a backend off: a warning; closing and probing are the gateway handling it. */
  private static GatewayEvent breakerEvent(Clock clock, BackendHealth.Transition t) {
    GatewayEvent e = new GatewayEvent(clock.instant(), EventType.BREAKER, null, t.reason(),
        Map.of("backend", t.backend(), "from", t.from().name(), "to", t.to().name()));
    return t.to() == BackendHealth.State.OPEN ? e.asWarning() : e;
  }

  /** Opens the session store, then starts listening; completes with the bound port (port 0 picks a free one). */
  public Future<Integer> start() {
    // start() is called from main(): every exchange it begins (store, window discovery) runs on one event-loop
    // context, so their answers are handled on the thread that asked, never raced from outside Vert.x
    io.vertx.core.Promise<Integer> started = io.vertx.core.Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> {
      try {
        startOnContext().onComplete(started);
      } catch (RuntimeException e) {
        // thrown, not failed (a client library rejecting its options): the caller must hear it, not wait forever
        started.tryFail(e);
      }
    });
    return started.future();
  }

  private Future<Integer> startOnContext() {
    // the tokenizer tables take a moment to load: off the event loop, while the store opens
    Future<Tokenizers> tokenizers = vertx.executeBlocking(() -> new Tokenizers(config.context().tokenizers()).warmUp());
    Future<Void> windowsRead = discovery.start();
    return ConfiguredStore.open(vertx, config.store(), message -> events.emit(new GatewayEvent(clock.instant(), EventType.STORE,
            null, message, Map.of("type", config.store().type()))), registry)
        .recover(err -> Future.failedFuture(err instanceof StoreInUseException inUse
            ? StartupException.storeInUse(inUse.directory(), err) : err))
        .compose(opened -> ConfiguredJobStore.open(vertx, config.store(), config.responses().background(), clock)
            .map(jobs -> {
              this.jobStore = jobs;
              return opened;
            }))
        .compose(opened -> Future.join(tokenizers, windowsRead).map(opened))
        .compose(opened -> {
          this.store = opened;
          if ("redis".equals(config.store().type()) && !"sentinel".equals(config.store().redis().type())) {
            // gateways on one Redis share what they learn of backends (a sentinel's address is not a data node)
            this.healthShare = new HealthShare(vertx, config.store().redisUrl(), config.store().redis().endpoints(),
                "cluster".equals(config.store().redis().type()), health, pacing, inFlight, events, clock);
            healthShare.start();
            this.outcomeShare = new OutcomeShare(vertx, config.store().redisUrl(), outcomes);
            outcomeShare.start();
          }
          this.known = new SessionCache(SESSIONS_KNOWN, MESSAGES_KNOWN);
          this.counter = new TokenCounter(tokenizers.result(), config.context().imageTokens());
          ContextFit fit = new ContextFit(vertx, config.context(), counter, windows, summarizer);
          FailureClassifier classifier = FailureClassifier.loadDefault(clock);
          SessionJournal journal = new SessionJournal(vertx, store, known, clock, config.store().checkpointEvery(),
              config.store().userTurnWait());
          Random random = new Random();
          this.pipeline = new Pipeline(vertx, classifier, auth, new ResponseState(store, clock), journal,
              new ContextGuard(fit, routes),
              new RoutePlanner(routes, load, affinity, clock, random::nextDouble),
              new AttemptLoop(config, clients, classifier, health, load, pacing, journal, fit, clock,
                  timers != null ? timers : Timers.of(vertx), random::nextDouble));
          this.background = new BackgroundJobs(vertx, jobStore, () -> store, config.responses().background(), pipeline,
              auth, events, clock);
          return listen();
        });
  }

  private Summarizer summarizer() {
    ContextConfig.Summarizer s = config.context().summarizer();
    if (s == null) return null;
    return new Summarizer(vertx, s, config.ruleSet().agent(s.agent()), () -> {
      String host = config.server().host();
      // the summarizer's request goes through this very gateway; a wildcard bind is reached on loopback
      if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) host = "127.0.0.1";
      return host + ":" + server.actualPort();
    });
  }

  /** Context windows in force per agent: config, what local servers report, what overflow errors stated. */
  public ContextWindows windows() {
    return windows;
  }

  private Future<Integer> listen() {
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.server().host())
        .setPort(config.server().port())
        .setTcpNoDelay(true)
        .setCompressionSupported(false)
        // no WebSockets are served: with these on (Vert.x's default) every connection's pipeline carries the WebSocket
        // extension handler, which every read and write of every request passes through
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        // HTTP/1.1 only: with h2c on, Vert.x sets a connection up only after its first bytes, too late to count it
        // or to time a client that sends nothing
        .setHttp2ClearTextEnabled(false);
    ClientConnections connections = new ClientConnections(options, config.server());
    warnAboveFileLimit();
    Router router = Router.router(vertx);
    RequestBodyReader body = new RequestBodyReader(config.server().maxBodyBytes());
    router.route().handler(GatewayServer::requestId);
    // the model endpoints first: every request is matched against the routes in order, and these take nearly all
    for (String prefix : PREFIXES) {
      router.post(prefix + "/v1/chat/completions").handler(body).handler(ctx -> model(ctx, frontDoor, Endpoint.CHAT_COMPLETIONS));
      router.post(prefix + "/v1/messages").handler(body).handler(ctx -> model(ctx, frontDoor, Endpoint.MESSAGES));
      router.post(prefix + "/v1/messages/count_tokens").handler(body).handler(ctx -> model(ctx, frontDoor, Endpoint.COUNT_TOKENS));
      router.post(prefix + "/v1/responses").handler(body).handler(ctx -> model(ctx, frontDoor, Endpoint.RESPONSES));
      router.post(prefix + "/v1/responses/compact").handler(body).handler(compaction::handle);
    }
    router.get("/").handler(GatewayServer::index);
    router.get("/health").handler(ctx -> ctx.json(new io.vertx.core.json.JsonObject().put("status", "ok")));
    router.get("/ready").handler(readiness);
    router.get("/metrics").handler(new MetricsEndpoint(registry, new StateGauges(registry, () -> store, health,
        reachability, load, routes, connections::open, connections::refused)));
    admin.mount(router);
    new AdminPage().mount(router);
    ResponsesEndpoints kept = new ResponsesEndpoints(auth, () -> store);
    kept.mount(router, PREFIXES);
    for (String prefix : PREFIXES) {
      // a background response's id, else a kept one (store: true), else 404
      router.get(prefix + "/v1/responses/:" + BackgroundLookup.ID).handler(ctx -> background.lookup().get(ctx))
          .handler(kept.retrieval());
      router.delete(prefix + "/v1/responses/:" + BackgroundLookup.ID).handler(ctx -> background.lookup().delete(ctx))
          .handler(kept.deletion());
      router.post(prefix + "/v1/responses/:" + BackgroundLookup.ID + "/cancel")
          .handler(ctx -> background.lookup().cancel(ctx)).handler(BackgroundLookup::notFound);
      router.get(prefix + "/v1/models").handler(this::models);
    }
    router.route().last().handler(ctx -> {
      if (ENDPOINT_PATH.matcher(ctx.request().path()).matches()) {
        fail(ctx, ClientError.methodNotAllowed(ctx.request().method() + " is not allowed on " + ctx.request().path()
            + "; model endpoints take POST, /v1/models takes GET."));
        return;
      }
      fail(ctx, ClientError.notFound("There is no " + ctx.request().method() + " "
        + ctx.request().path() + " here. Model endpoints: POST /v1/chat/completions and /v1/responses (OpenAI), POST"
        + " /v1/messages and /v1/messages/count_tokens (Anthropic), GET /v1/models; each also under /s/{sessionId}/. GET / lists every endpoint.", "not_found"));
    });
    router.errorHandler(413, ctx -> fail(ctx, ClientError.tooLarge("The request body is larger than "
        + config.server().maxBodyBytes() + " bytes (server.maxBodyBytes); send a smaller request.")));
    router.errorHandler(400, ctx -> fail(ctx, ClientError.invalidRequest("The request could not be read.", null)));
    // the body's reader answers an Expect other than 100-continue; what the client sends next is unknown, so it closes
    router.errorHandler(417, ctx -> failAndClose(ctx, ClientError.expectationFailed("Expect: "
        + ctx.request().getHeader(HttpHeaders.EXPECT) + " is not supported (only Expect: 100-continue is); "
        + "send the request without it.")));
    // the body's reader fails a request whose body stopped arriving with status 200 (as vertx-web's BodyHandler does):
    // its connection closed, because the client went away or because the body's framing was broken (answered below
    // the router)
    router.errorHandler(200, ctx -> {
      LOG.log(Level.FINE, "the body of " + ctx.request().path() + " could not be read", ctx.failure());
      fail(ctx, ClientError.invalidRequest("The request body could not be read; send it again.", null));
    });
    router.errorHandler(500, ctx -> {
      LOG.log(Level.SEVERE, "unexpected failure on " + ctx.request().path(), ctx.failure());
      fail(ctx, ClientError.internal("The gateway failed unexpectedly; this is a bug in Rebound. Retry the request."));
    });
    return vertx.createHttpServer(options)
        .connectionHandler(connections)
        .invalidRequestHandler(request -> FramingErrors.answer(request, options))
        .requestHandler(router).listen()
        .recover(err -> {
          StartupException clear = StartupException.cannotListen(options.getHost(), options.getPort(), err);
          return Future.failedFuture(clear != null ? clear : err);
        })
        .map(s -> {
          server = s;
          if (watcher != null) watcher.start();
          // its table is written once PostgreSQL answers: serving does not wait for it
          analytics.start();
          live.start(health, analytics);
          background.start();
          for (String warning : ExposureCheck.warnings(config, s.actualPort())) LOG.warning(warning);
          return s.actualPort();
        });
  }

  /**
   * Past the process's file limit, new connections fail in accept() before server.maxConnections refuses them (and
   * every backend call needs a descriptor too): say so at the start rather than under load.
   */
  private void warnAboveFileLimit() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os
        && config.server().maxConnections() >= os.getMaxFileDescriptorCount()) {
      LOG.warning("server.maxConnections is " + config.server().maxConnections() + " but this process may open only "
          + os.getMaxFileDescriptorCount() + " files (ulimit -n): raise the limit or lower server.maxConnections.");
    }
  }

  /** GET /: what is served here, for API clients and for people who opened the address (the page is /ui). */
  private static void index(RoutingContext ctx) {
    io.vertx.core.json.JsonArray endpoints = new io.vertx.core.json.JsonArray();
    for (String[] e : INDEX) {
      endpoints.add(new io.vertx.core.json.JsonObject().put("method", e[0]).put("path", e[1]).put("what", e[2]));
    }
    ctx.json(new io.vertx.core.json.JsonObject()
        .put("name", "rebound")
        .put("ui", "/ui")
        .put("endpoints", endpoints)
        .put("sessions", "bind requests to a session with the base URL /s/<id>/v1 (OpenAI SDKs; /s/<id> for Anthropic"
            + " SDKs) or the header X-Session-Id: <id>"));
  }

  private static final String[][] INDEX = {
      {"GET", "/ui", "the page for people: a live dashboard, sessions, checkpoints, backends, routes"},
      {"POST", "/v1/chat/completions", "OpenAI Chat Completions"},
      {"POST", "/v1/responses", "OpenAI Responses (Codex CLI, the Agents SDK); background: true is queued and kept"},
      {"GET", "/v1/responses/{id}", "a kept or background response (?stream=true&starting_after=n for a background one's events); also DELETE, and GET .../input_items"},
      {"POST", "/v1/responses/{id}/cancel", "cancels a background response"},
      {"POST", "/v1/responses/compact", "compacts a Responses conversation (Codex's remote compaction)"},
      {"POST", "/v1/messages", "Anthropic Messages"},
      {"POST", "/v1/messages/count_tokens", "Anthropic token counting"},
      {"GET", "/v1/models", "the model names clients may ask for"},
      {"GET", "/health", "liveness"},
      {"GET", "/ready", "readiness: every route has an agent that can serve (503 when not); store and backends"},
      {"GET", "/metrics", "Prometheus metrics"},
      {"GET", "/admin/sessions", "the admin API (sessions, checkpoints, events, backends, routes; admin token)"},
      {"GET", "/admin/analytics", "recovery analytics over a time window (?window=15m|1h|24h; admin token)"},
      {"GET", "/admin/live", "the dashboard's live feed: snapshots and decisions as server-sent events (admin token)"},
      {"POST", "/admin/feedback", "a vote on an answer (session, turn or responseId, score in [-1,1]; admin token)"},
      {"GET", "/admin/responses/background", "background responses: deadlines, runs, replays, decisions (admin token)"},
  };

  /**
   * Entries in the in-memory caches whose keys come from clients (model names, session ids, message contents), each
   * bounded; for tests and diagnosis.
   */
  public Map<String, Long> cacheSizes() {
    Map<String, Long> sizes = new java.util.LinkedHashMap<>();
    sizes.put("tokenizers", (long) counter.tokenizers().made());
    sizes.put("tokenCounts", (long) counter.cachedMessages());
    sizes.put("sessions", (long) known.size());
    sizes.put("sessionMessages", known.messages());
    sizes.put("sessionAffinity", (long) affinity.size());
    return sizes;
  }

  /** Breakers and cooldowns of every backend (for the admin API and tests). */
  public HealthBoard health() {
    return health;
  }

  /** How many gateways share backend health through this one's Redis, itself included (1 without a Redis store). */
  public int gatewaysSharing() {
    return healthShare == null ? 1 : healthShare.gateways();
  }

  /** The routing rules in force (replaced by the admin API and the config watcher). */
  public RouteTable routes() {
    return routes;
  }

  /** Sets the attempt loop's timers (before {@link #start()}): tests turn them by hand instead of waiting. */
  public GatewayServer timers(Timers timers) {
    this.timers = timers;
    return this;
  }

  /** Background responses run by this gateway (tests). */
  public BackgroundJobs background() {
    return background;
  }

  public Future<Void> stop() {
    if (watcher != null) watcher.stop();
    live.stop();
    if (healthShare != null) healthShare.close();
    if (outcomeShare != null) outcomeShare.close();
    // stop accepting, let the requests in flight end within the grace, then close what is left
    // background runs give their jobs back first: another gateway (or this one's next start) takes them at once
    Future<Void> released = background == null ? Future.succeededFuture() : background.stop();
    Future<Void> closed = released.transform(v -> server == null ? Future.succeededFuture()
        : server.shutdown(config.server().shutdownGrace().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
    return closed.eventually(clients::close)
        .eventually(readiness::close)
        .eventually(discovery::stop)
        .eventually(() -> summarizer == null ? Future.succeededFuture() : summarizer.close())
        .eventually(compaction::close)
        .eventually(recorder::flushAll)
        .eventually(() -> analytics.stop(ANALYTICS_FLUSH))
        .eventually(tracing::close)
        .eventually(() -> jobStore == null ? Future.succeededFuture() : jobStore.close())
        .eventually(() -> store == null ? Future.succeededFuture() : store.close());
  }

  /** The session store in use (admin API, tests). */
  public BufferedCheckpointStore store() {
    return store;
  }

  /**
   * Every request gets an id: the client's own x-request-id when it is sane, else a new one. It is answered as
   * x-request-id, and set on the request itself, so that what the gateway sends upstream carries it too.
   */
  private static void requestId(RoutingContext ctx) {
    String incoming = ctx.request().getHeader(RequestId.HEADER);
    String id = RequestId.acceptOrNew(incoming);
    if (!id.equals(incoming)) ctx.request().headers().set(RequestId.HEADER, id);
    ctx.response().putHeader(RequestId.HEADER, id);
    ctx.next();
  }

  private void model(RoutingContext ctx, FrontDoor door, Endpoint endpoint) {
    String id = ctx.request().getHeader(RequestId.HEADER);
    // null when tracing is off; else the request's span, which its events pass through on their way to the sink
    RequestTrace trace = tracing.request(ctx.request(), route(ctx, endpoint), id, events);
    RequestRecord record = new RequestRecord(id, trace == null ? events : trace, clock);
    String protocol = endpoint.protocol().id();
    Exchange ex;
    Double vote;
    try {
      ex = door.open(ctx, endpoint, sessionId(ctx), record);
      vote = feedbackVote(ex);
    } catch (GatewayException e) {
      fail(ctx, WireFormats.of(endpoint.protocol()), e.error());
      metrics.requestEnded(record, null, null, protocol, false, ctx.response());
      if (trace != null) trace.ended(ctx.response().getStatusCode(), null, null);
      return;
    }
    if (background != null && BackgroundJobs.wants(ex)) {
      background.accept(ctx, ex);
      return;
    }
    boolean inSession = ex.sessionId() != null;
    metrics.requestStarted(inSession);
    if (trace != null) {
      trace.described(ex.model(), ex.stream(), ex.sessionId());
      ex.traced(trace);
    }
    pipeline.run(ex).onComplete(ar -> {
      metrics.requestEnded(record, ex.plan() == null ? null : ex.plan().route(), ex.tenant(), protocol, inSession,
          ctx.response());
      if (trace != null) trace.ended(ctx.response().getStatusCode(), ex.plan() == null ? null : ex.plan().route(), ex.tenant());
      analytics.requestEnded(record.id(), ctx.response().ended());
      // what the request says of the answer before it (a header vote, a question asked again), off its way
      if (ex.session() != null) {
        feedback.afterTurn(new SessionKey(ex.tenant(), ex.sessionId()), ex.session().key(), ex.session().turn(),
            ex.session().reasked(), vote, record.id());
      }
    });
  }

  /** The client's vote on its previous answer ({@code x-rebound-feedback}); null when it sent none. */
  private static Double feedbackVote(Exchange ex) {
    String header = ex.requestHeaders().get(TurnFeedback.HEADER);
    if (header == null) return null;
    try {
      Double vote = TurnFeedback.headerScore(header);
      if (ex.sessionId() == null) {
        throw new IllegalArgumentException(TurnFeedback.HEADER + " votes on the previous answer of a session: send it"
            + " with the session's id (X-Session-Id, or the base URL /s/<id>/)");
      }
      return vote;
    } catch (IllegalArgumentException e) {
      throw new GatewayException(ClientError.invalidRequest(e.getMessage() + ".", TurnFeedback.HEADER));
    }
  }

  /** The endpoint as routed, its session prefix as a placeholder: a span name of few values. */
  private static String route(RoutingContext ctx, Endpoint endpoint) {
    return ctx.pathParam("sessionId") != null ? "/s/{sessionId}" + endpoint.path() : endpoint.path();
  }

  /**
   * The session id from the path prefix, else X-Session-Id, else a coding agent's own session header: Claude Code's,
   * then Codex's (session-id; session_id in its older versions).
   */
  private static String sessionId(RoutingContext ctx) {
    String id = ctx.pathParam("sessionId");
    String source = "the /s/{id}/ path prefix";
    if (id == null) {
      id = ctx.request().getHeader("x-session-id");
      source = "X-Session-Id";
    }
    if (id == null) {
      id = ctx.request().getHeader("x-claude-code-session-id");
      source = "x-claude-code-session-id";
    }
    for (String codex : CODEX_SESSION_HEADERS) {
      if (id != null) break;
      id = ctx.request().getHeader(codex);
      source = codex;
    }
    if (id != null && !SessionKey.validId(id)) {
      throw new GatewayException(ClientError.invalidRequest("The session id from " + source + " is invalid: it must be "
          + "1 to 128 characters of letters, digits, '.', '_', ':' or '-'.", "session_id"));
    }
    return id;
  }

  private void models(RoutingContext ctx) {
    WireFormat format = guessFormat(ctx);
    try {
      sessionId(ctx);
      auth.identify(ctx.request().headers());
    } catch (GatewayException e) {
      fail(ctx, format, e.error());
      return;
    }
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(format.modelsListing(config.ruleSet().knownModels()).toString());
  }

  private void fail(RoutingContext ctx, ClientError error) {
    fail(ctx, guessFormat(ctx), error);
  }

  private static void fail(RoutingContext ctx, WireFormat format, ClientError error) {
    ErrorReply.send(ctx.response(), ctx.request().connection(), format, error);
  }

  /** An error after which the connection cannot be reused: answered, then closed. */
  private static void failAndClose(RoutingContext ctx, ClientError error) {
    ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
    fail(ctx, guessFormat(ctx), error);
    // Vert.x closes after what was written is sent
    ctx.request().connection().close();
  }

  private static WireFormat guessFormat(RoutingContext ctx) {
    return WireFormats.guess(ctx.request().path(), ctx.request().getHeader("anthropic-version") != null);
  }
}
