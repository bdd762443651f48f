package dev.rebound.gateway.background;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.pipeline.Exchange;
import dev.rebound.gateway.pipeline.RequestRecord;
import dev.rebound.gateway.pipeline.Result;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.time.DurationText;
import dev.rebound.gateway.wire.Endpoint;
import dev.rebound.store.JobProgress;
import dev.rebound.store.LeaseLostException;
import dev.rebound.store.ResponseJob;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One run of a background job: its request through the gateway's own pipeline (routing, retries, waits, fallbacks,
 * breakers), with the time left to the job's deadline as the wait budget and a {@link JobRecording} as its reply. While
 * it runs, what it recorded goes to the job store every flush and the lease is renewed; when it ends, the job is
 * finished (answered, or failed for good), given back to the queue for a replay (a failure that passes with time, before
 * any output), or left alone (cancelled, or taken by another gateway after this one lost its lease).
 */
final class JobRun {
  private static final Logger LOG = Logger.getLogger(JobRun.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Statuses of a run's failure that time may cure: the job is run again later. */
  private static final Set<Integer> REPLAYABLE = Set.of(408, 425, 429, 500, 502, 503, 504, 529);
  static final Duration FIRST_REPLAY = Duration.ofSeconds(30);
  static final Duration LONGEST_REPLAY = Duration.ofMinutes(15);
  /** Decisions of the pipeline worth keeping in the job's notes (the admin API shows them). */
  private static final Set<EventType> NOTED = EnumSet.of(EventType.WAIT, EventType.RETRY, EventType.FALLBACK,
      EventType.FAILURE, EventType.GIVE_UP, EventType.ANSWERED, EventType.SKIP, EventType.PACE, EventType.CONTEXT,
      EventType.BACKGROUND);

  private final BackgroundJobs jobs;
  private final ResponseJob job;
  private final JobRecording recording;
  private final List<String> notes = new ArrayList<>();
  /** The run through the pipeline; null before it started. */
  private Exchange exchange;
  private final Promise<Void> ended = Promise.promise();
  private int attempts;
  private long flushTimer = -1;
  private long lastWriteNanos = System.nanoTime();
  private Future<?> writes = Future.succeededFuture();
  private boolean writing;
  /** Set when the run must stop: the gateway stops (release), the job was cancelled, deleted or taken (leave it). */
  private String stopping;
  private boolean leaseLost;
  /** The job was deleted (here, or found missing by a write): nothing may stay kept by its id. */
  private boolean gone;

  JobRun(BackgroundJobs jobs, ResponseJob job) {
    this.jobs = jobs;
    this.job = job;
    this.recording = new JobRecording(job.id(), job.events(), job.response());
  }

  String id() {
    return job.id();
  }

  /** Completes once the run has written how it ended. */
  Future<Void> ended() {
    return ended.future();
  }

  void start() {
    Instant now = jobs.clock().instant();
    if (!now.isBefore(job.deadline())) {
      fail("deadline_exceeded", "The background response was not done by its deadline (" + job.deadline()
          + ", responses.background.deadline after it was accepted).");
      return;
    }
    ObjectNode request;
    try {
      request = (ObjectNode) JSON.readTree(job.request());
    } catch (java.io.IOException | ClassCastException e) {
      fail("invalid_request", "The stored request could not be read: " + e.getMessage());
      return;
    }
    request.remove("background");
    // the run streams, so that what it produces is recorded event by event and readable while it runs
    request.put("stream", true);
    if (job.events() == 0) {
      run(request, List.of());
      return;
    }
    // an earlier run recorded events: when they include output, this run goes on from them
    jobs.store().events(job.id(), 0).onComplete(ar -> {
      if (ar.failed()) {
        LOG.log(Level.WARNING, "could not read the events of background response " + job.id() + ": " + ar.cause());
        Instant at = jobs.clock().instant().plus(FIRST_REPLAY);
        write(jobs.store().release(job.id(), jobs.owner(), at, progress(List.of(),
            "waiting to run again at " + at + ": its recorded events could not be read", null)));
        return;
      }
      List<SseEvent> sent = new ArrayList<>(ar.result().size());
      boolean output = false;
      for (String event : ar.result()) {
        JsonNode parsed = JobResponseObject.parse(event);
        String type = parsed == null ? "message" : parsed.path("type").asText("message");
        if (!type.equals("response.created") && !type.equals("response.in_progress")) output = true;
        sent.add(SseEvent.of(type, event));
      }
      run(request, output ? sent : List.of());
    });
  }

  private void run(ObjectNode request, List<SseEvent> sent) {
    if (stopping != null) {
      finished(null);
      return;
    }
    Instant now = jobs.clock().instant();
    Duration budget = Duration.between(now, job.deadline());
    RequestRecord record = new RequestRecord(job.id(), this::observe, jobs.clock());
    Exchange ex = new Exchange(headers(job.headers()), null, recording, Endpoint.RESPONSES,
        Buffer.buffer(request.toString()), request, request.path("model").asText(), true, job.sessionId(), record,
        job.tenant(), budget);
    // the answer is the job's: kept by its id, its turn stored under it, so previous_response_id, input_items and
    // DELETE take the id the client polled
    ex.respondAs(job.id());
    ex.resumeAfter(sent);
    exchange = ex;
    note(EventType.BACKGROUND, "run #" + job.runs() + " of background response " + job.id() + " started; deadline "
        + job.deadline() + " (in " + DurationText.format(budget) + ", its wait budget)"
        // a replay says why: the reason it was queued again for, or the lapsed lease of the gateway it is taken from
        + (job.runs() > 1 ? "; replay #" + (job.runs() - 1) + (job.reason() != null ? " (" + job.reason() + ")" : "")
        : "")
        + (sent.isEmpty() ? "" : "; it goes on from the " + sent.size() + " event(s) recorded before"),
        Map.of("run", job.runs(),
        "deadline", job.deadline().toString(), "waitBudgetMs", budget.toMillis()));
    flushTimer = jobs.vertx().setPeriodic(BackgroundJobs.FLUSH_EVERY.toMillis(), id -> flush(false));
    jobs.pipeline().run(ex).onComplete(ar -> {
      if (ar.failed()) LOG.log(Level.SEVERE, "background run of " + job.id() + " failed", ar.cause());
      finished(ex.result());
    });
  }

  /** The gateway stops: the run ends and the job goes back to the queue for any gateway to take at once. */
  Future<Void> stop() {
    stopping = "stop";
    recording.close();
    return ended.future();
  }

  /** The job was cancelled here: the run ends without writing (the store has it cancelled). */
  void cancelled() {
    stopping = "cancelled";
    recording.close();
  }

  /** The job was deleted here: the run ends without writing, and keeps no response by the job's id. */
  void deleted() {
    stopping = "deleted";
    gone = true;
    recording.close();
  }

  // --- while it runs

  private void observe(GatewayEvent e) {
    if (e.type() == EventType.FAILURE || e.type() == EventType.ANSWERED) attempts++;
    if (NOTED.contains(e.type())) notes.add(noteJson(e));
    jobs.events().emit(e);
  }

  private void note(EventType type, String reason, Map<String, Object> fields) {
    GatewayEvent e = new GatewayEvent(jobs.clock().instant(), type, job.tenant(), session(), reason,
        withId(fields)).forRequest(job.id());
    notes.add(noteJson(e));
    jobs.events().emit(e);
  }

  private Map<String, Object> withId(Map<String, Object> fields) {
    Map<String, Object> all = new java.util.LinkedHashMap<>(fields);
    all.put("responseId", job.id());
    return all;
  }

  private static String noteJson(GatewayEvent e) {
    ObjectNode n = JSON.createObjectNode().put("at", e.at().toString()).put("type", e.type().id()).put("reason", e.reason());
    Object agent = e.fields().get("agent");
    if (agent != null) n.put("agent", agent.toString());
    Object attempt = e.fields().get("attempt");
    if (attempt != null) n.put("attempt", attempt.toString());
    return n.toString();
  }

  /** Writes what was recorded (and renews the lease) when there is something, or a third of the lease has passed. */
  private void flush(boolean always) {
    if (writing || leaseLost || stopping != null) return;
    boolean renew = System.nanoTime() - lastWriteNanos >= jobs.config().lease().toNanos() / 3;
    if (!always && !renew && !recording.hasPending() && notes.isEmpty() && attempts == 0) return;
    JobProgress p = progress(recording.drain(), null, recording.latestResponse());
    writing = true;
    lastWriteNanos = System.nanoTime();
    writes = jobs.store().record(job.id(), jobs.owner(), jobs.config().lease(), p).onComplete(ar -> {
      writing = false;
      if (ar.failed()) lost(ar.cause());
    });
  }

  /** The session the run's turns go to: the job's, or the one the run started (store: true without a session id). */
  private String session() {
    String started = exchange == null ? null : exchange.sessionId();
    return started != null ? started : job.sessionId();
  }

  private JobProgress progress(List<String> events, String reason, String response) {
    // a session the run started is written back to the job: its replays go on in it, the admin API shows it
    String session = session();
    JobProgress p = new JobProgress(response, events, attempts, List.copyOf(notes), reason,
        session != null && !session.equals(job.sessionId()) ? session : null);
    attempts = 0;
    notes.clear();
    return p;
  }

  private void lost(Throwable err) {
    if (err instanceof LeaseLostException l) {
      leaseLost = true;
      if (l.status() == null) gone = true; // deleted (through another gateway)
      if (stopping == null) {
        stopping = "lost";
        jobs.events().emit(new GatewayEvent(jobs.clock().instant(), EventType.BACKGROUND, job.tenant(), session(),
            "background response " + job.id() + " is no longer this gateway's (its status is " + l.status()
                + "); its run stops", withId(Map.of("status", String.valueOf(l.status())))).forRequest(job.id()));
        recording.close();
      }
      return;
    }
    // the store is out of reach: keep running; the next flush tries again (and the lease may run out meanwhile)
    LOG.log(Level.WARNING, "could not record the progress of background response " + job.id() + ": " + err);
  }

  // --- the end

  private void finished(Result result) {
    if (flushTimer >= 0) jobs.vertx().cancelTimer(flushTimer);
    // the last periodic write first: the end is written after it
    writes.onComplete(v -> decide(result));
  }

  private void decide(Result result) {
    if (gone) {
      forgetKept();
      return;
    }
    if (leaseLost || "cancelled".equals(stopping) || "lost".equals(stopping)) {
      done();
      return;
    }
    Instant now = jobs.clock().instant();
    String terminal = recording.terminal();
    if ("stop".equals(stopping) && terminal == null) {
      note(EventType.BACKGROUND, "the gateway stops; background response " + job.id()
          + " goes back to the queue for any gateway to run", Map.of());
      write(jobs.store().release(job.id(), jobs.owner(), now,
          progress(recording.drain(), "the gateway running it stopped; waiting for a gateway to run it again",
              recording.latestResponse())));
      return;
    }
    if (terminal != null) {
      note(EventType.BACKGROUND, "background response " + job.id() + " is " + terminal + " after " + job.runs()
          + " run(s)", Map.of("status", terminal, "run", job.runs()));
      write(jobs.store().finish(job.id(), jobs.owner(), terminal.equals(ResponseJob.INCOMPLETE) ? ResponseJob.INCOMPLETE
          : ResponseJob.COMPLETED, progress(recording.drain(), "answered", recording.latestResponse())));
      return;
    }
    Failed f = failureOf(result);
    Duration delay = replayDelay(f);
    // after output, a replay goes on from it (spliced into the same response): not when a tool call was cut mid-way
    boolean resumable = !recording.outputRecorded() || exchange == null || exchange.reply() == null
        || !exchange.reply().transcript().toolCallInProgress();
    boolean replayable = REPLAYABLE.contains(f.status) && resumable;
    if (replayable && now.plus(delay).isBefore(job.deadline())) {
      Instant at = now.plus(delay);
      note(EventType.BACKGROUND, "run #" + job.runs() + " ended with " + f.status + " (" + f.message + "); replay #"
          + job.runs() + " of background response " + job.id() + " in " + DurationText.format(delay) + ", at " + at
          + " (deadline " + job.deadline() + ")", Map.of("status", f.status, "replayAt", at.toString(),
          "delayMs", delay.toMillis()));
      write(jobs.store().release(job.id(), jobs.owner(), at, progress(recording.drain(),
          "waiting to run again at " + at + ": " + f.message, recording.latestResponse())));
      return;
    }
    String why = replayable ? f.message + "; the next replay would pass the deadline " + job.deadline() : f.message;
    fail(f.code, why);
  }

  /** Ends the job as failed: the stream gets the error and response.failed, the object its error. */
  private void fail(String code, String message) {
    ObjectNode response = JobResponseObject.parse(recording.latestResponse());
    if (response == null) response = JobResponseObject.fromRequest(job);
    response.put("id", job.id()).put("status", ResponseJob.FAILED).put("background", true);
    response.set("error", JobResponseObject.error(code, message));
    recording.add(JSON.createObjectNode().put("type", "error").put("code", code).put("message", message).putNull("param"));
    ObjectNode failed = JSON.createObjectNode().put("type", "response.failed");
    failed.set("response", response);
    recording.add(failed);
    note(EventType.BACKGROUND, "background response " + job.id() + " failed after " + job.runs() + " run(s): "
        + message, Map.of("status", ResponseJob.FAILED, "code", code));
    write(jobs.store().finish(job.id(), jobs.owner(), ResponseJob.FAILED,
        progress(recording.drain(), message, response.toString())));
  }

  private void write(Future<ResponseJob> last) {
    last.onComplete(ar -> {
      if (ar.failed() && !(ar.cause() instanceof LeaseLostException)) {
        // the lease runs out and another run takes the job over: nothing is lost but this run's time
        LOG.log(Level.WARNING, "could not write how background response " + job.id() + " ended: " + ar.cause());
      }
      if (ar.failed() && ar.cause() instanceof LeaseLostException l && l.status() == null) {
        gone = true; // deleted (through another gateway) while this run ended
        forgetKept();
        return;
      }
      done();
    });
  }

  /**
   * The job is gone (deleted): a response the run kept by the job's id on its way out, after the DELETE had deleted
   * what was kept then, is deleted too, so a deleted response stays deleted.
   */
  private void forgetKept() {
    jobs.forgetResponse(job.tenant(), job.id()).onComplete(ar -> {
      if (ar.failed()) {
        LOG.log(Level.WARNING, "could not delete the response kept by deleted background response " + job.id() + ": "
            + ar.cause());
      } else if (ar.result()) {
        jobs.events().emit(new GatewayEvent(jobs.clock().instant(), EventType.BACKGROUND, job.tenant(), session(),
            "background response " + job.id() + " was deleted while its run ended: the response the run kept by its"
                + " id is deleted too", withId(Map.of("status", "deleted"))).forRequest(job.id()));
      }
      done();
    });
  }

  private void done() {
    jobs.ended(this);
    ended.tryComplete();
  }

  /** How the run failed, in the words the job keeps. */
  private Failed failureOf(Result result) {
    if (result instanceof Result.Failed f) {
      String code = f.error().code() != null ? f.error().code() : f.error().openAiType();
      return new Failed(f.error().status(), code, f.error().message(), retryAfter(recording.answerHeaders()));
    }
    if (result instanceof Result.PassedOn p) {
      JsonNode body = JobResponseObject.parse(p.body() == null ? null : p.body().toString());
      JsonNode error = body == null ? null : body.path("error");
      String message = error != null && error.path("message").isTextual() ? error.path("message").asText()
          : "the backend answered " + p.status();
      String code = error != null && error.path("code").isTextual() ? error.path("code").asText()
          : error != null && error.path("type").isTextual() ? error.path("type").asText() : "upstream_error";
      return new Failed(p.status(), code, message, retryAfter(p.headers()));
    }
    ObjectNode streamError = recording.streamError();
    if (streamError != null) {
      return new Failed(502, streamError.path("code").asText("server_error"),
          streamError.path("message").asText("the stream failed"), null);
    }
    return new Failed(503, "server_error", "the run ended without an answer", null);
  }

  private record Failed(int status, String code, String message, Duration retryAfter) {}

  private static Duration retryAfter(MultiMap headers) {
    String v = headers == null ? null : headers.get("retry-after");
    if (v == null) return null;
    try {
      return Duration.ofSeconds(Long.parseLong(v.trim()));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The server's Retry-After when it said one, else 30 s doubling with each run, at most 15 min. */
  private Duration replayDelay(Failed f) {
    if (f.retryAfter != null && !f.retryAfter.isNegative()) return f.retryAfter;
    long factor = 1L << Math.min(10, Math.max(0, job.runs() - 1));
    Duration d = FIRST_REPLAY.multipliedBy(factor);
    return d.compareTo(LONGEST_REPLAY) > 0 ? LONGEST_REPLAY : d;
  }

  /** The kept request headers, as the pipeline reads them. */
  private static MultiMap headers(String json) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    ObjectNode node = JobResponseObject.parse(json);
    if (node != null) node.fields().forEachRemaining(e -> h.add(e.getKey(), e.getValue().asText()));
    return h;
  }
}
