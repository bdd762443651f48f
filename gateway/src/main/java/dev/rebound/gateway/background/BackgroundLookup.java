package dev.rebound.gateway.background;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.pipeline.TenantAuth;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.GatewayException;
import dev.rebound.store.ResponseJob;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/responses/{id}} and {@code POST /v1/responses/{id}/cancel} for background responses: the job's
 * current response object; with {@code stream=true}, its events from {@code starting_after + 1} on (those recorded,
 * then the new ones as the run records them, until it ends); a cancel (OpenAI's semantics: only background responses
 * can be cancelled; one that already ended is answered as it is). An id this store does not know is passed on to the
 * next handler ({@code ctx.next()}), which may know it as a stored response; the last one answers 404
 * ({@link #notFound}).
 */
public final class BackgroundLookup {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How often a stream reader looks for new events of a running job. */
  static final Duration FOLLOW_EVERY = Duration.ofMillis(100);
  /** A reader that got nothing for this long is sent a keep-alive comment. */
  static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
  public static final String ID = "responseId";

  private final BackgroundJobs jobs;

  BackgroundLookup(BackgroundJobs jobs) {
    this.jobs = jobs;
  }

  /** GET: the object, or the stream; next handler when the id is not a background response of the caller's tenant. */
  public void get(RoutingContext ctx) {
    String tenant = tenant(ctx);
    if (tenant == null) return;
    String id = ctx.pathParam(ID);
    boolean stream = "true".equalsIgnoreCase(ctx.queryParams().get("stream"));
    int startingAfter;
    try {
      startingAfter = startingAfter(ctx.queryParams().get("starting_after"));
    } catch (GatewayException e) {
      BackgroundJobs.fail(ctx, e.error());
      return;
    }
    jobs.store().get(tenant, id).onComplete(ar -> {
      if (ar.failed()) {
        storeFailed(ctx, ar.cause());
        return;
      }
      ResponseJob job = ar.result();
      if (job == null) {
        ctx.next();
        return;
      }
      if (stream) stream(ctx, job, startingAfter);
      else ctx.response().putHeader("content-type", "application/json").end(JobResponseObject.of(job).toString());
    });
  }

  /** POST .../cancel. */
  public void cancel(RoutingContext ctx) {
    String tenant = tenant(ctx);
    if (tenant == null) return;
    String id = ctx.pathParam(ID);
    jobs.store().cancel(tenant, id, "cancelled by the client").onComplete(ar -> {
      if (ar.failed()) {
        storeFailed(ctx, ar.cause());
        return;
      }
      ResponseJob job = ar.result();
      if (job == null) {
        ctx.next();
        return;
      }
      if (ResponseJob.CANCELLED.equals(job.status())) {
        jobs.cancelled(id);
        jobs.events().emit(new GatewayEvent(jobs.clock().instant(), EventType.BACKGROUND, tenant, job.sessionId(),
            "background response " + id + " cancelled by the client after " + job.runs() + " run(s)",
            Map.of("responseId", id, "status", ResponseJob.CANCELLED)).forRequest(id));
      }
      ctx.response().putHeader("content-type", "application/json").end(JobResponseObject.of(job).toString());
    });
  }

  /**
   * DELETE: a background response's job goes (its events and notes with it; a run of it stops), then the next handler
   * deletes the response kept by the id, and answers: a job deleted here counts as deleted even when its run kept no
   * response (it failed, or was cancelled).
   */
  public void delete(RoutingContext ctx) {
    String tenant = tenant(ctx);
    if (tenant == null) return;
    String id = ctx.pathParam(ID);
    jobs.store().delete(tenant, id).onComplete(ar -> {
      if (ar.failed()) {
        storeFailed(ctx, ar.cause());
        return;
      }
      if (ar.result()) {
        jobs.deleted(id);
        ctx.put(dev.rebound.gateway.responses.ResponsesEndpoints.JOB_DELETED, true);
        jobs.events().emit(new GatewayEvent(jobs.clock().instant(), EventType.BACKGROUND, tenant, null,
            "background response " + id + " deleted by the client", Map.of("responseId", id, "status", "deleted"))
            .forRequest(id));
      }
      ctx.next();
    });
  }

  /** The last handler: no response of that id here (in the Responses error shape). */
  public static void notFound(RoutingContext ctx) {
    String id = ctx.pathParam(ID);
    boolean cancel = ctx.request().path().endsWith("/cancel");
    BackgroundJobs.fail(ctx, ClientError.notFound("No response with id '" + id + "' is kept here"
        + (cancel ? " (only background responses can be cancelled)" : "") + "; check the id, and that it was created "
        + "through this gateway with the same key.", "not_found"));
  }

  private String tenant(RoutingContext ctx) {
    try {
      TenantAuth.Identity identity = jobs.auth().identify(ctx.request().headers());
      return identity.tenant();
    } catch (GatewayException e) {
      BackgroundJobs.fail(ctx, e.error());
      return null;
    }
  }

  private static int startingAfter(String text) {
    if (text == null) return -1;
    try {
      int n = Integer.parseInt(text.trim());
      if (n >= -1) return n;
    } catch (NumberFormatException ignored) {
      // answered below
    }
    throw new GatewayException(ClientError.invalidRequest("starting_after must be a sequence number (an integer >= 0),"
        + " but was '" + text + "'.", "starting_after"));
  }

  private static void storeFailed(RoutingContext ctx, Throwable err) {
    BackgroundJobs.fail(ctx, new ClientError(503, "api_error", "server_error", "store_unavailable", null,
        "The session store could not be read (" + err.getMessage() + "); try again shortly."));
  }

  /** The job's events after {@code startingAfter}, then the new ones as they are recorded, until it ends. */
  void stream(RoutingContext ctx, ResponseJob job, int startingAfter) {
    HttpServerResponse resp = ctx.response();
    resp.setStatusCode(200).putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache")
        .setChunked(true);
    new Follow(resp, job.tenant(), job.id(), startingAfter + 1).next();
  }

  /** One reader following one job. */
  private final class Follow {
    private final HttpServerResponse resp;
    private final String tenant;
    private final String id;
    private int next;
    private long quietSince = System.nanoTime();
    private long timer = -1;

    Follow(HttpServerResponse resp, String tenant, String id, int from) {
      this.resp = resp;
      this.tenant = tenant;
      this.id = id;
      this.next = from;
      resp.closeHandler(v -> {
        if (timer >= 0) jobs.vertx().cancelTimer(timer);
      });
    }

    void next() {
      timer = -1;
      if (resp.closed() || resp.ended()) return;
      jobs.store().events(id, next).onComplete(ar -> {
        if (resp.closed()) return;
        if (ar.failed()) {
          later();
          return;
        }
        List<String> events = ar.result();
        if (!events.isEmpty()) {
          Buffer out = Buffer.buffer();
          for (String e : events) out.appendString(sse(e));
          resp.write(out);
          next += events.size();
          quietSince = System.nanoTime();
        }
        jobs.store().get(tenant, id).onComplete(j -> {
          if (resp.closed()) return;
          ResponseJob job = j.succeeded() ? j.result() : null;
          if (j.succeeded() && (job == null || job.terminal() && job.events() <= next)) {
            resp.end();
            return;
          }
          if (System.nanoTime() - quietSince > KEEP_ALIVE.toNanos()) {
            resp.write(": keep-alive\n\n");
            quietSince = System.nanoTime();
          }
          // more recorded and some just read: read on. More recorded but none readable yet (the store counts an event
          // before it is on disk): wait for it; asking again at once recursed until the stack overflowed
          if (job != null && job.events() > next && !events.isEmpty()) next();
          else later();
        });
      });
    }

    private void later() {
      timer = jobs.vertx().setTimer(FOLLOW_EVERY.toMillis(), t -> next());
    }
  }

  private static String sse(String event) {
    String type = "message";
    try {
      JsonNode node = JSON.readTree(event);
      type = node.path("type").asText(type);
    } catch (java.io.IOException ignored) {
      // sent as it is
    }
    return "event: " + type + "\ndata: " + event + "\n\n";
  }
}
