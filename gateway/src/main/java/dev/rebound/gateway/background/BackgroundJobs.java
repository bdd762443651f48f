package dev.rebound.gateway.background;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.config.ResponsesConfig;
import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.pipeline.Exchange;
import dev.rebound.gateway.pipeline.Pipeline;
import dev.rebound.gateway.pipeline.TenantAuth;
import dev.rebound.gateway.reply.ErrorReply;
import dev.rebound.gateway.reply.HttpReplyChannel;
import dev.rebound.gateway.time.DurationText;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.Endpoint;
import dev.rebound.gateway.wire.GatewayException;
import dev.rebound.store.CheckpointStore;
import dev.rebound.store.ResponseJob;
import dev.rebound.store.ResponseJobStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Background responses ({@code POST /v1/responses} with {@code background: true}): accepted at once as a queued
 * response kept in the session store's job queue, then run by whichever gateway on that store claims it (this one
 * looks for due jobs every {@code responses.background.pollInterval}, and at once after accepting one), through the
 * gateway's own pipeline ({@link JobRun}). A gateway that stops gives its jobs back; one that dies leaves them to be
 * taken when its leases run out.
 */
public final class BackgroundJobs {
  private static final Logger LOG = Logger.getLogger(BackgroundJobs.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How often a run writes what it recorded (its lease is renewed on the way). */
  static final Duration FLUSH_EVERY = Duration.ofMillis(200);
  /** How long a stop waits for its runs to give their jobs back. */
  static final Duration STOP_WAIT = Duration.ofSeconds(5);
  /** Headers never kept with a job: keys (a job never stores a client's credentials) and the connection's own. */
  private static final Set<String> NOT_KEPT = Set.of("authorization", "x-api-key", "api-key", "x-rebound-key",
      "proxy-authorization", "cookie", "connection", "content-length", "host", "transfer-encoding", "keep-alive",
      "expect", "upgrade", "te", "accept-encoding");

  private final Vertx vertx;
  private final ResponseJobStore store;
  private final ResponsesConfig.Background config;
  private final Pipeline pipeline;
  private final TenantAuth auth;
  private final EventSink events;
  private final Clock clock;
  private final Supplier<CheckpointStore> responses;
  /** This gateway's name as the holder of leases: a new one each start. */
  private final String owner = "gw-" + UUID.randomUUID().toString().substring(0, 12);
  /** Read by tests from other threads; changed only on {@link #context}. */
  private final Map<String, JobRun> running = new java.util.concurrent.ConcurrentHashMap<>();
  /** Where polls and runs happen: one event-loop context, so their state needs no locks. */
  private io.vertx.core.Context context;
  private final BackgroundLookup lookup;
  private long pollTimer = -1;
  private boolean polling;
  private boolean pollAgain;
  private boolean stopped;

  /**
   * @param responses where the pipeline keeps answered responses by id: a run whose job was deleted while it ended
   *                  deletes the one it kept under the job's id
   */
  public BackgroundJobs(Vertx vertx, ResponseJobStore store, Supplier<CheckpointStore> responses,
      ResponsesConfig.Background config, Pipeline pipeline, TenantAuth auth, EventSink events, Clock clock) {
    this.vertx = vertx;
    this.store = store;
    this.responses = responses;
    this.config = config;
    this.pipeline = pipeline;
    this.auth = auth;
    this.events = events;
    this.clock = clock;
    this.lookup = new BackgroundLookup(this);
  }

  // --- accepting

  /** Whether this request asks for a background response. */
  public static boolean wants(Exchange ex) {
    return ex.endpoint() == Endpoint.RESPONSES && ex.json().path("background").asBoolean(false);
  }

  /** Keeps the request as a queued job and answers with the queued response (or, for stream: true, its events). */
  public void accept(RoutingContext ctx, Exchange ex) {
    TenantAuth.Identity identity;
    try {
      identity = auth.identify(ex.requestHeaders());
    } catch (GatewayException e) {
      fail(ctx, e.error());
      return;
    }
    Instant now = clock.instant();
    Instant deadline = now.plus(config.deadline());
    String id = "resp_" + UUID.randomUUID().toString().replace("-", "");
    ObjectNode kept = JSON.createObjectNode();
    ex.requestHeaders().forEach(h -> {
      if (!NOT_KEPT.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) kept.put(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue());
    });
    ResponseJob job = ResponseJob.queued(id, identity.tenant(), ex.json().toString(), kept.toString(), ex.sessionId(),
        now, deadline);
    store.enqueue(job).onComplete(ar -> {
      if (ar.failed()) {
        LOG.log(Level.WARNING, "could not store background response " + id, ar.cause());
        fail(ctx, new ClientError(503, "api_error", "server_error", "store_unavailable", null,
            "The background response could not be kept (the session store did not take it: " + ar.cause().getMessage()
                + "); send it again, or without background."));
        return;
      }
      events.emit(new GatewayEvent(now, EventType.BACKGROUND, identity.tenant(), ex.sessionId(), "accepted background "
          + "response " + id + "; deadline " + deadline + " (in " + DurationText.format(config.deadline()) + ")",
          Map.of("responseId", id, "deadline", deadline.toString(), "status", ResponseJob.QUEUED))
          .forRequest(ex.record().id()));
      if (ex.stream()) lookup.stream(ctx, job, -1);
      else ctx.response().setStatusCode(200).putHeader("content-type", "application/json")
          .end(JobResponseObject.of(ar.result()).toString());
      pollSoon();
    });
  }

  static void fail(RoutingContext ctx, ClientError error) {
    ErrorReply.send(new HttpReplyChannel(ctx.response(), ctx.request().connection()),
        dev.rebound.gateway.wire.formats.WireFormats.of(dev.rebound.routing.Protocol.OPENAI_RESPONSES), error);
  }

  // --- running

  /** Starts looking for due jobs; call on the context the gateway's work runs on. */
  public void start() {
    context = vertx.getOrCreateContext();
    pollTimer = vertx.setPeriodic(config.pollInterval().toMillis(), id -> poll());
    poll();
  }

  /** Looks for a due job now (a job was just accepted here). */
  void pollSoon() {
    if (context != null) context.runOnContext(v -> poll());
  }

  private void poll() {
    if (stopped) return;
    if (polling) {
      pollAgain = true;
      return;
    }
    if (running.size() >= config.maxRunning()) return;
    polling = true;
    store.claim(owner, config.lease()).onComplete(ar -> {
      polling = false;
      if (ar.failed()) {
        LOG.log(Level.FINE, "could not look for background jobs: " + ar.cause());
        return;
      }
      ResponseJob job = ar.result();
      if (job != null && !running.containsKey(job.id()) && !stopped) {
        JobRun run = new JobRun(this, job);
        running.put(job.id(), run);
        run.start();
      }
      // a job of its own seen as due (the clock jumped past its lease) is left to its run, which renews the lease
      if (job != null || pollAgain) {
        pollAgain = false;
        poll();
      }
    });
  }

  void ended(JobRun run) {
    running.remove(run.id());
    if (!stopped) pollSoon();
  }

  /** A job cancelled through this gateway: its run here (if any) stops at once. */
  void cancelled(String id) {
    if (context == null) return;
    context.runOnContext(v -> {
      JobRun run = running.get(id);
      if (run != null) run.cancelled();
    });
  }

  /** A job deleted through this gateway: its run here (if any) stops at once, and keeps no response by its id. */
  void deleted(String id) {
    if (context == null) return;
    context.runOnContext(v -> {
      JobRun run = running.get(id);
      if (run != null) run.deleted();
    });
  }

  /** Deletes the response kept by the id of a job that is gone; true when one was there. */
  Future<Boolean> forgetResponse(String tenant, String id) {
    CheckpointStore kept = responses.get();
    return kept == null ? Future.succeededFuture(false) : kept.deleteResponse(tenant, id);
  }

  /** Stops looking for jobs and gives the running ones back to the queue; completes when they are (at most 5 s). */
  public Future<Void> stop() {
    if (context == null) return Future.succeededFuture();
    io.vertx.core.Promise<Void> released = io.vertx.core.Promise.promise();
    context.runOnContext(v -> stopOnContext().onComplete(released));
    return released.future();
  }

  private Future<Void> stopOnContext() {
    stopped = true;
    if (pollTimer >= 0) vertx.cancelTimer(pollTimer);
    List<Future<Void>> runs = new ArrayList<>();
    for (JobRun run : List.copyOf(running.values())) runs.add(run.stop());
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    long timer = vertx.setTimer(STOP_WAIT.toMillis(), id -> done.tryComplete());
    Future.join(runs).onComplete(ar -> {
      vertx.cancelTimer(timer);
      done.tryComplete();
    });
    return done.future();
  }

  /** The handlers of GET /v1/responses/{id} and POST /v1/responses/{id}/cancel for background responses. */
  public BackgroundLookup lookup() {
    return lookup;
  }

  /** Jobs this gateway runs now. */
  public int running() {
    return running.size();
  }

  // --- for runs and the lookup

  Vertx vertx() {
    return vertx;
  }

  /** Where the jobs are kept (the runs and the lookup; tests, as another gateway on the same store would). */
  public ResponseJobStore store() {
    return store;
  }

  ResponsesConfig.Background config() {
    return config;
  }

  Pipeline pipeline() {
    return pipeline;
  }

  TenantAuth auth() {
    return auth;
  }

  EventSink events() {
    return events;
  }

  Clock clock() {
    return clock;
  }

  String owner() {
    return owner;
  }
}
