package dev.rebound.gateway.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.config.OnOverflow;
import dev.rebound.gateway.context.ContextFit;
import dev.rebound.gateway.context.ContextReport;
import dev.rebound.gateway.context.ContextRequest;
import dev.rebound.gateway.context.Summarizer;
import dev.rebound.gateway.wire.Endpoint;
import dev.rebound.gateway.time.DurationText;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureClassifier;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.failure.RateBudget;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.recovery.BackendHealth;
import dev.rebound.gateway.recovery.HealthBoard;
import dev.rebound.gateway.recovery.RecoveryDecision;
import dev.rebound.gateway.recovery.RetryPolicy;
import dev.rebound.gateway.routes.LiveAgentHealth;
import dev.rebound.gateway.routes.SessionAffinity;
import dev.rebound.gateway.stream.ContinuationRequest;
import dev.rebound.gateway.stream.StreamSplicer;
import dev.rebound.gateway.stream.StreamTranscript;
import dev.rebound.gateway.upstream.AttemptOutcome;
import dev.rebound.gateway.upstream.BackendClients;
import dev.rebound.gateway.upstream.HeaderPolicy;
import dev.rebound.gateway.upstream.JsonSplice;
import dev.rebound.gateway.upstream.UpstreamCall;
import dev.rebound.routing.AgentDefinition;
import dev.rebound.routing.AttemptPlan;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;

/**
 * Runs the attempt plan: for each attempt a breaker permit, the upstream call, classification of what went wrong, and
 * a recovery decision: done, wait and retry, next agent, continue a cut stream, or fail in the client's own error shape.
 * A request succeeds whenever some agent of its plan can serve it within the wait budget.
 */
public final class AttemptLoop implements Step {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How often a streaming answer in progress is saved as a partial turn. */
  static final long PARTIAL_SAVE_MS = 2000;
  /** How often a request waiting on a half-open breaker looks again (its probes are in flight and decide soon). */
  static final Duration PROBE_POLL = Duration.ofMillis(250);
  /** A backend that refuses connections but answered within this long is taken to be restarting, and waited for. */
  static final Duration RESTARTING_WITHIN = Duration.ofMinutes(10);
  /** Cuts sized by an upstream's overflow errors on one agent before the plan moves on. */
  static final int MAX_CONTEXT_CUTS = 3;

  private final Vertx vertx;
  private final ReboundConfig config;
  private final BackendClients clients;
  private final FailureClassifier classifier;
  private final RetryPolicy policy;
  private final HealthBoard health;
  private final LiveAgentHealth load;
  private final SessionAffinity affinity;
  private final Checkpointer checkpointer;
  private final ContextFit fit;
  private final Clock clock;
  private final DoubleSupplier random;

  public AttemptLoop(Vertx vertx, ReboundConfig config, BackendClients clients, FailureClassifier classifier,
      HealthBoard health, LiveAgentHealth load, SessionAffinity affinity, Checkpointer checkpointer, ContextFit fit,
      Clock clock) {
    this.checkpointer = checkpointer;
    this.fit = fit;
    this.load = load;
    this.affinity = affinity;
    this.vertx = vertx;
    this.config = config;
    this.clients = clients;
    this.classifier = classifier;
    this.policy = RetryPolicy.from(config);
    this.health = health;
    this.clock = clock;
    Random r = new Random();
    this.random = r::nextDouble;
  }

  @Override
  public Future<Void> apply(Exchange ex) {
    return new Run(ex).start();
  }

  /** The state of one request's attempts. */
  private final class Run {
    private final Exchange ex;
    private final AttemptPlan plan;
    private final ClientStream client;
    private final Promise<Void> done = Promise.promise();
    private final Map<String, Integer> recoveries = new LinkedHashMap<>();
    private Duration budgetLeft = config.resilience().waitBudget();
    private int agentIndex;
    private int attemptsOnAgent;
    private int attempts;
    private boolean continuing;
    /** What goes to the current agent once the context step fitted it; null before the first attempt on it. */
    private ContextFit.Send sent;
    private int overflowsOnAgent;
    private Failure lastFailure;
    private AttemptOutcome.ErrorAnswer lastErrorAnswer;
    private BackendConfig lastFailedBackend;
    /** Whether this request already said it waits for a breaker's probe (it looks again quietly). */
    private boolean waitedForProbe;
    /** This request's decisions go through the request, which stamps its id on them. */
    private final EventSink events;

    Run(Exchange ex) {
      this.ex = ex;
      this.events = ex.events();
      this.plan = ex.plan();
      this.client = new ClientStream(ex, vertx, classifier);
    }

    Future<Void> start() {
      if (ex.stream() && ex.session() != null) {
        // a streaming answer in progress is saved as a partial turn, so a crash leaves what was said, marked partial
        long saver = vertx.setPeriodic(PARTIAL_SAVE_MS, id -> savePartial());
        done.future().onComplete(v -> vertx.cancelTimer(saver));
      }
      nextAttempt();
      return done.future();
    }

    private String lastSaved = "";

    private void savePartial() {
      String text = client.transcript().partialText();
      if (text.isEmpty() || text.equals(lastSaved)) return;
      lastSaved = text;
      checkpointer.partial(ex, client.assistantMessage());
    }

    private void nextAttempt() {
      if (agentIndex >= plan.agents().size()) {
        giveUp("every agent of the plan was tried");
        return;
      }
      AgentDefinition agent = plan.agents().get(agentIndex).agent();
      BackendHealth h = health.of(agent.backend());
      Instant cooling = h.coolingUntil();
      if (cooling != null && agentIndex + 1 < plan.agents().size()) {
        Duration left = Duration.between(clock.instant(), cooling);
        emit("skip", agent.name() + " is cooling down for " + DurationText.format(left) + "; trying the next agent", agent, null);
        lastFailure = lastFailure != null ? lastFailure
            : new Failure(FailureKind.RATE_LIMITED, left, null, null, null, null, "backend '" + agent.backend() + "' is rate limited");
        moveOn();
        return;
      }
      // the last agent is tried even while cooling: another request's 429 is a hint, the server's answer decides
      String denied = h.acquire();
      if (denied != null && agentIndex + 1 >= plan.agents().size() && waitForProbe(agent, h, denied)) return;
      if (denied != null) {
        emit("skip", agent.name() + ": " + denied, agent, null);
        if (lastFailure == null) {
          lastFailure = Failure.of(FailureKind.CIRCUIT_OPEN, "backend '" + agent.backend() + "': " + denied);
        }
        moveOn();
        return;
      }
      fitThenAttempt(agent, h);
    }

    /**
     * The breaker protects the backend, it does not punish the client: a request with no other agent to go to waits
     * for the breaker's next probe (or for the probes in flight to decide) while its wait budget allows, then asks
     * again, and may be the probe. False when the wait does not fit the budget.
     */
    private boolean waitForProbe(AgentDefinition agent, BackendHealth h, String denied) {
      Duration next = h.nextProbeIn();
      // half-open with every probe in flight: their answers come soon; look again shortly
      Duration wait = next != null ? next.plusMillis(1) : PROBE_POLL;
      if (wait.compareTo(budgetLeft) > 0) return false;
      String why = waitedForProbe ? null : agent.name() + ": " + denied + "; no other agent can serve, so this request"
          + " waits for the breaker's next probe";
      waitedForProbe = true;
      waitThen(wait, agent, why, this::nextAttempt);
      return true;
    }

    /** Fits the conversation to this agent's window (pre-flight), then makes the attempt or moves on as it says. */
    private void fitThenAttempt(AgentDefinition agent, BackendHealth h) {
      ContextRequest r = ex.context();
      if (r == null || ex.endpoint() == Endpoint.COUNT_TOKENS) {
        attempt(agent, h);
        return;
      }
      OnOverflow policy = policyFor(agent);
      hearKeepAlivesIf(policy == OnOverflow.SUMMARIZE, agent);
      fit.preflight(r, policy, agent, later()).onComplete(guarded(ar -> {
        client.stopKeepAlive();
        if (ar.failed()) {
          // counting is a best effort: without it the request goes as the client sent it
          emit("context", "the prompt could not be counted (" + ar.cause() + "); sending it unchanged", agent, null);
          attempt(agent, h);
          return;
        }
        ContextFit.Decision d = ar.result();
        if (d instanceof ContextFit.Send s) {
          contextApplied(agent, s);
          attempt(agent, h);
        } else if (d instanceof ContextFit.MoveOn m) {
          h.released();
          recoveries.merge("moved-for-context", 1, Integer::sum);
          emit("fallback", m.reason(), agent, Map.of("kind", FailureKind.CONTEXT_OVERFLOW.name(), "policy", "larger-window"));
          moveOn();
        } else {
          h.released();
          refused((ContextFit.Refuse) d, agent);
        }
      }));
    }

    private void refused(ContextFit.Refuse refuse, AgentDefinition agent) {
      emit("context", refuse.reason(), agent, Map.of("action", "refused"));
      lastFailure = refuse.failure();
      lastErrorAnswer = null;
      giveUp(refuse.reason());
    }

    /** Records what the context step changed: event, reply header, and a checkpoint of exactly what is sent. */
    private void contextApplied(AgentDefinition agent, ContextFit.Send s) {
      sent = s;
      ContextReport report = s.report();
      if (report == null) return;
      Map<String, Object> fields = new LinkedHashMap<>(s.details());
      fields.put("action", report.action());
      fields.put("trigger", report.trigger());
      fields.put("tokensBefore", report.tokensBefore());
      fields.put("tokensAfter", report.tokensAfter());
      fields.put("dropped", report.dropped());
      fields.put("summarized", report.summarized());
      if (report.maxTokensAfter() != null) {
        fields.put("maxTokensBefore", report.maxTokensBefore());
        fields.put("maxTokensAfter", report.maxTokensAfter());
      }
      String why = report.action() + " for " + agent.name() + " (" + report.trigger() + "): " + report.header()
          + (s.details().containsKey("note") ? "; " + s.details().get("note") : "");
      emit("context", why, agent, fields);
      if (report.messagesChanged()) checkpointer.contextSent(ex, agent, s, why);
    }

    /** The request's x-rebound-on-overflow, else the route's policy, else the agent's, else context.onOverflow. */
    private OnOverflow policyFor(AgentDefinition agent) {
      OnOverflow p = OnOverflow.fromText(ex.requestHeaders().get(Summarizer.POLICY_HEADER));
      if (p == null) p = OnOverflow.fromText(ex.routeOnOverflow());
      if (p == null) p = config.context().agents().get(agent.name());
      if (p == null) p = config.context().onOverflow();
      return p == OnOverflow.SUMMARIZE && !fit.canSummarize() ? OnOverflow.TRUNCATE : p;
    }

    private java.util.List<AgentDefinition> later() {
      return plan.agents().subList(Math.min(agentIndex + 1, plan.agents().size()), plan.agents().size()).stream()
          .map(AttemptPlan.Candidate::agent).toList();
    }

    private void attempt(AgentDefinition agent, BackendHealth h) {
      attempts++;
      attemptsOnAgent++;
      BackendConfig backend = config.backend(agent.backend()).orElseThrow();
      client.replyHeaders(replyHeaders(agent));
      long started = System.nanoTime();
      load.started(agent.name());
      UpstreamCall call = new UpstreamCall(vertx, clients.client(backend.name()), backend, upstreamUri(backend),
          HeaderPolicy.upstreamHeaders(ex.requestHeaders(), backend, ex.proxyKey()), bodyFor(agent),
          ex.response(), client);
      long firstByte = keepAliveBeforeFirstByte(call);
      call.run()
          .onComplete(guarded(ar -> {
            if (firstByte >= 0) vertx.cancelTimer(firstByte);
            load.ended(agent.name());
            client.stopKeepAlive();
            AttemptOutcome outcome = ar.succeeded() ? ar.result()
                : new AttemptOutcome.Broken(AttemptOutcome.Breakage.CONNECT, String.valueOf(ar.cause()));
            RateBudget budget = classifier.rateBudget(call.responseHeaders());
            h.budget(agent.model(), budget);
            // an error's own wait is the classifier's to read; a success that spent the last of a limit is read here
            if (outcome instanceof AttemptOutcome.Answered || outcome instanceof AttemptOutcome.Streamed) coolIfSpent(agent, h, budget);
            handle(agent, h, outcome, (System.nanoTime() - started) / 1_000_000);
          }));
    }

    /**
     * A streaming request whose upstream is silent past resilience.firstByteKeepAlive starts hearing keep-alives, so
     * the client's read timeout does not fire while a slow server prefills; -1 when there is no such timer.
     */
    private long keepAliveBeforeFirstByte(UpstreamCall call) {
      Duration after = config.resilience().firstByteKeepAlive();
      if (!ex.stream() || after.isZero() || client.eventsRelayed()) return -1;
      return vertx.setTimer(after.toMillis(), id -> {
        if (call.responseHeaders() == null) client.keepAliveBeforeFirstByte(config.resilience().keepAliveInterval());
      });
    }

    private void handle(AgentDefinition agent, BackendHealth h, AttemptOutcome outcome, long elapsedMs) {
      Failure failure;
      if (outcome instanceof AttemptOutcome.ClientGone) {
        clientGone(agent, h, elapsedMs);
        return;
      } else if (client.transcript().complete()) {
        // the end marker came before the connection broke or an error followed it: the answer is whole
        streamAnswered(agent, h, "stream complete", Map.of("status", 200, "elapsedMs", elapsedMs));
        return;
      } else if (outcome instanceof AttemptOutcome.Streamed s) {
        client.transcript().markEndedCleanly();
        if (client.transcript().complete()) {
          streamAnswered(agent, h, "stream complete", Map.of("status", s.status(), "elapsedMs", elapsedMs));
          return;
        }
        if (endWholeAnswer(agent, h, "ended", elapsedMs)) return;
        failure = Failure.of(FailureKind.STREAM_CUT, "backend '" + agent.backend() + "' ended the stream before the answer was complete");
      } else if (outcome instanceof AttemptOutcome.Answered a) {
        failure = errorInsideAnswer(a);
        if (failure == null) {
          h.succeeded();
          emit("answered", "answer complete", agent, Map.of("status", a.status(), "elapsedMs", elapsedMs));
          servedBy(agent);
          checkpointer.answered(ex, agent, a.body())
              .onComplete(guarded(v -> {
                client.answer(a.status(), a.headers(), a.body());
                done.tryComplete();
              }));
          return;
        }
      } else if (outcome instanceof AttemptOutcome.ErrorAnswer e) {
        lastErrorAnswer = e;
        failure = classifier.classify(e.status(), headerMap(e.headers()), e.body().toString(StandardCharsets.UTF_8), ex.stream());
      } else if (outcome instanceof AttemptOutcome.StoppedByTarget) {
        if (endWholeAnswer(agent, h, "sent an error event (" + client.streamFailure().kind().type() + ")", elapsedMs)) return;
        failure = client.streamFailure();
      } else {
        AttemptOutcome.Broken b = (AttemptOutcome.Broken) outcome;
        if (b.breakage() != AttemptOutcome.Breakage.CONNECT && endWholeAnswer(agent, h, b.breakage() == AttemptOutcome.Breakage.TIMEOUT ? "timed out" : "was cut", elapsedMs)) return;
        failure = Failure.of(switch (b.breakage()) {
          case CONNECT -> FailureKind.CONNECT;
          case TIMEOUT -> FailureKind.TIMEOUT;
          case STREAM_CUT -> FailureKind.STREAM_CUT;
        }, b.message());
      }
      if (!(outcome instanceof AttemptOutcome.ErrorAnswer)) lastErrorAnswer = null;
      lastFailure = failure;
      lastFailedBackend = config.backend(agent.backend()).orElse(null);
      recordHealth(h, failure);
      Map<String, Object> facts = new LinkedHashMap<>();
      facts.put("kind", failure.kind().name());
      if (outcome instanceof AttemptOutcome.ErrorAnswer e) facts.put("status", e.status());
      if (failure.retryAfter() != null) facts.put("retryAfterMs", failure.retryAfter().toMillis());
      facts.put("elapsedMs", elapsedMs);
      emit("failure", failure.message(), agent, facts);
      recover(agent, failure);
    }

    /**
     * The client left. An answer the upstream had finished is the session's all the same (the client may have seen
     * it whole and closed at once); a cut one is kept as a partial turn, so a resume finds what was said.
     */
    private void clientGone(AgentDefinition agent, BackendHealth h, long elapsedMs) {
      StreamTranscript t = client.transcript();
      if (ex.stream() && client.eventsRelayed() && (t.complete() || t.stopReason() != null) && !t.toolCallInProgress()) {
        h.succeeded();
        emit("answered", "the client disconnected after the answer was whole; storing the turn", agent,
            Map.of("status", 200, "elapsedMs", elapsedMs, "clientGone", true));
        checkpointer.answered(ex, agent, client.assistantMessage()).onComplete(v -> done.tryComplete());
        return;
      }
      h.released();
      emit("client-gone", "client disconnected; upstream request cancelled", agent, Map.of("elapsedMs", elapsedMs));
      if (ex.stream() && client.eventsRelayed()) checkpointer.lastPartial(ex, client.assistantMessage());
      done.tryComplete();
    }

    private void streamAnswered(AgentDefinition agent, BackendHealth h, String why, Map<String, Object> fields) {
      h.succeeded();
      // decisions are recorded before the client sees the end, so anyone it tells finds them
      emit("answered", why, agent, fields);
      servedBy(agent);
      // the turn is stored before the client sees the end of the answer
      checkpointer.answered(ex, agent, client.assistantMessage())
          .onComplete(guarded(v -> {
            client.end();
            done.tryComplete();
          }));
    }

    /**
     * A stream that stops after the answer's stop reason (OpenAI finish_reason, Anthropic message_delta) lacks only
     * its end marker: the answer is whole, so the gateway ends the stream itself instead of asking for more.
     */
    private boolean endWholeAnswer(AgentDefinition agent, BackendHealth h, String how, long elapsedMs) {
      StreamTranscript t = client.transcript();
      if (!client.eventsRelayed() || t.stopReason() == null || t.complete() || t.toolCallInProgress()) return false;
      // a usage chunk asked for is lost with the tail; continuing would only make the model write past its end
      boolean usageLost = ex.json().path("stream_options").path("include_usage").asBoolean(false) && !t.usageSeen();
      client.writeEndOfStream();
      streamAnswered(agent, h, "stream " + how + " after the answer's stop reason (" + t.stopReason()
          + "); the answer is whole, so the gateway sent the end of the stream"
          + (usageLost ? " (the usage chunk the client asked for was lost with it)" : ""),
          Map.of("status", 200, "elapsedMs", elapsedMs, "endedByGateway", true, "usageLost", usageLost));
      return true;
    }

    private void recover(AgentDefinition agent, Failure failure) {
      if (client.eventsRelayed()) {
        String impossible = continuationImpossible(failure);
        if (impossible != null) {
          emit("give-up", "cannot continue the stream: " + impossible, agent, Map.of("kind", failure.kind().name()));
          client.stopKeepAlive();
          client.fail(clientError(failure, "Rebound could not continue the answer: " + impossible));
          done.tryComplete();
          return;
        }
        continuing = true;
      }
      boolean overflow = failure.kind() == FailureKind.CONTEXT_OVERFLOW || failure.kind() == FailureKind.OUTPUT_LIMIT;
      if (overflow && !continuing && ex.context() != null && ex.endpoint() != Endpoint.COUNT_TOKENS) {
        OnOverflow p = policyFor(agent);
        if (p == OnOverflow.FAIL) {
          giveUp("context.onOverflow is fail: the overflow goes back to the client");
          return;
        }
        if (overflowsOnAgent < MAX_CONTEXT_CUTS && sent != null) {
          overflowsOnAgent++;
          hearKeepAlivesIf(p == OnOverflow.SUMMARIZE, agent);
          fit.afterOverflow(ex.context(), p, agent, failure, sent, overflowsOnAgent, later()).onComplete(guarded(ar -> {
            client.stopKeepAlive();
            if (ar.failed() || ar.result() == null) decideByPolicy(agent, failure);
            else afterOverflow(agent, failure, ar.result());
          }));
          return;
        }
      }
      decideByPolicy(agent, failure);
    }

    /** The context step's answer to an upstream overflow: a smaller request to the same agent, another agent, or no. */
    private void afterOverflow(AgentDefinition agent, Failure failure, ContextFit.Decision d) {
      if (d instanceof ContextFit.Send s) {
        recoveries.merge(s.report().action() + "-after-" + label(failure), 1, Integer::sum);
        contextApplied(agent, s);
        emit("retry", "the upstream's overflow error sized a new cut; trying " + agent.name() + " again", agent,
            Map.of("kind", failure.kind().name()));
        retrySameAgent(agent);
      } else if (d instanceof ContextFit.MoveOn m) {
        recoveries.merge("fell-back-after-" + label(failure), 1, Integer::sum);
        emit("fallback", m.reason(), agent, Map.of("kind", failure.kind().name(), "policy", "larger-window"));
        moveOn();
      } else {
        refused((ContextFit.Refuse) d, agent);
      }
    }

    /** Another attempt on the same agent, if its breaker still lets one through; else the next agent. */
    private void retrySameAgent(AgentDefinition agent) {
      BackendHealth h = health.of(agent.backend());
      String denied = h.acquire();
      if (denied == null) {
        attempt(agent, h);
      } else if (agentIndex + 1 >= plan.agents().size() && waitForProbe(agent, h, denied)) {
        // the breaker opened while this request waited to retry, and nothing else can serve it
      } else {
        emit("skip", agent.name() + ": " + denied, agent, null);
        moveOn();
      }
    }

    private void decideByPolicy(AgentDefinition agent, Failure failure) {
      // nowhere else to go: outlast what the backend says will pass (a refused connection only if it answered lately)
      boolean nowhereElse = agentIndex + 1 >= plan.agents().size() && (failure.kind() != FailureKind.CONNECT
          || health.of(agent.backend()).answeredWithin(RESTARTING_WITHIN));
      RecoveryDecision decision = policy.decide(failure, agent.backend(), attemptsOnAgent, budgetLeft, random.getAsDouble(),
          nowhereElse);
      String label = (continuing ? "continued-after-" : decision instanceof RecoveryDecision.Retry ? "retried-after-" : "fell-back-after-")
          + label(failure);
      if (decision instanceof RecoveryDecision.Retry r) {
        recoveries.merge(label, 1, Integer::sum);
        waitThen(r.delay(), agent, r.reason(), () -> {
          prepareContinuation();
          retrySameAgent(agent);
        });
      } else if (decision instanceof RecoveryDecision.NextAgent n) {
        if (agentIndex + 1 < plan.agents().size()) {
          recoveries.merge(label, 1, Integer::sum);
          emit("fallback", n.reason() + "; next agent: " + plan.agents().get(agentIndex + 1).agent().name(), agent, null);
          prepareContinuation();
        }
        moveOn();
      } else {
        giveUp(decision.reason());
      }
    }

    /** A session that moves to another agent is a handoff: the next turn carries the full history there. */
    private void servedBy(AgentDefinition agent) {
      String previous = affinity.served(ex.tenant(), ex.sessionId(), agent.name());
      if (previous != null) {
        emit("handoff", "session moved from " + previous + " to " + agent.name(), agent, Map.of("from", previous));
      }
    }

    /** Null when the cut answer can be continued; otherwise why not. */
    private String continuationImpossible(Failure failure) {
      if (!config.resilience().continueStreams()) return "continuation is disabled (resilience.continueStreams)";
      if (client.transcript().toolCallInProgress()) return "a tool call's arguments were cut mid-way";
      if (!failure.kind().retryable() && !failure.kind().fallbackAvailable()) return failure.kind().type() + " cannot be recovered";
      return null;
    }

    /** From here on upstream events are spliced onto what the client already has. */
    private void prepareContinuation() {
      if (continuing && client.eventsRelayed()) client.continueWith(StreamSplicer.of(ex.protocol(), client.transcript()));
    }

    private void moveOn() {
      agentIndex++;
      attemptsOnAgent = 0;
      overflowsOnAgent = 0;
      sent = null;
      nextAttempt();
    }

    /**
     * A summary is a model call of its own: a streaming client hears keep-alives meanwhile, as during a wait. The
     * first one commits the head, so the head names this agent (x-rebound-context is then only in the context event).
     */
    private void hearKeepAlivesIf(boolean mayCallTheSummarizer, AgentDefinition agent) {
      if (!mayCallTheSummarizer) return;
      client.replyHeaders(replyHeaders(agent));
      client.keepAliveWhileWaiting(config.resilience().keepAliveInterval());
    }

    private void waitThen(Duration wait, AgentDefinition agent, String why, Runnable then) {
      budgetLeft = budgetLeft.minus(wait);
      // why == null: a wait already said (looking again while a half-open breaker's probes decide)
      if (why != null) {
        emit("wait", why + "; waiting " + DurationText.format(wait) + " (" + DurationText.format(budgetLeft)
            + " of the wait budget left)", agent, Map.of("waitMs", wait.toMillis()));
      }
      if (wait.toMillis() < 1) {
        // Vert.x timers start at 1 ms; a shorter wait is no wait
        then.run();
        return;
      }
      // a keep-alive commits the head: it says what has happened so far, this retry included
      client.replyHeaders(replyHeaders(agent));
      client.keepAliveWhileWaiting(config.resilience().keepAliveInterval());
      // the client may leave while we wait: then there is nothing left to do
      ex.response().closeHandler(v -> {
        client.stopKeepAlive();
        done.tryComplete();
      });
      vertx.setTimer(wait.toMillis(), id -> guard(() -> {
        ex.response().closeHandler(null);
        client.stopKeepAlive();
        if (ex.response().closed()) {
          done.tryComplete();
          return;
        }
        then.run();
      }));
    }

    /**
     * A callback of this run. An exception thrown in it would otherwise be lost on the event loop and leave the client
     * waiting for good: it fails the run instead, and the pipeline answers with an internal error.
     */
    private <T> Handler<AsyncResult<T>> guarded(Handler<AsyncResult<T>> then) {
      return ar -> guard(() -> then.handle(ar));
    }

    private void guard(Runnable step) {
      try {
        step.run();
      } catch (RuntimeException e) {
        client.stopKeepAlive();
        done.tryFail(e);
      }
    }

    private void giveUp(String why) {
      Failure failure = lastFailure != null ? lastFailure : Failure.of(FailureKind.NO_ROUTE, "no agent could be tried");
      // the client gets an error: worth a warning, unlike the retries and fallbacks that hid one
      events.emit(event("give-up", why + "; answering " + failure.kind().type(), null, Map.of("kind", failure.kind().name()))
          .asWarning());
      client.stopKeepAlive();
      var resp = ex.response();
      if (!resp.closed() && !resp.ended()) {
        Long retryAfter = retryAfterSeconds(failure);
        if (!resp.headWritten()) {
          MultiMap last = replyHeaders(null);
          if (retryAfter != null) last.set("retry-after", String.valueOf(retryAfter));
          client.amendReplyHeaders(last);
        }
        ClientError ownCredentials = ownCredentialsRejected(failure);
        if (ownCredentials != null) {
          client.fail(ownCredentials);
        } else if (lastErrorAnswer != null && !resp.headWritten() && inClientShape(lastErrorAnswer.body())) {
          // the upstream's own words, already in the client's protocol: an overflow stays exactly what the SDK expects
          client.answer(lastErrorAnswer.status(), lastErrorAnswer.headers(), lastErrorAnswer.body());
        } else {
          client.fail(clientError(failure, "Rebound tried " + attempts + " time(s) across "
              + Math.min(agentIndex + 1, plan.agents().size()) + " agent(s)"));
        }
      }
      done.tryComplete();
    }

    /** OpenRouter and others report some errors inside a 200 answer. */
    private Failure errorInsideAnswer(AttemptOutcome.Answered a) {
      if (a.body().length() == 0) return Failure.of(FailureKind.SERVER_ERROR, "the backend sent an empty answer");
      byte first = a.body().getByte(0);
      if (first != '{' && first != '[') return null;
      String text = a.body().toString(StandardCharsets.UTF_8);
      if (!text.contains("\"error\"")) return null;
      try {
        JsonNode root = JSON.readTree(text);
        JsonNode err = root.get("error");
        boolean hasAnswer = root.has("choices") && root.get("choices").size() > 0 || root.has("content");
        if (err == null || err.isNull() || hasAnswer) return null;
      } catch (java.io.IOException e) {
        return null;
      }
      return classifier.classify(200, headerMap(a.headers()), text, false);
    }

    private boolean inClientShape(Buffer body) {
      try {
        JsonNode root = JSON.readTree(body.getBytes());
        return ex.format().isErrorBody(root);
      } catch (java.io.IOException | RuntimeException e) {
        return false;
      }
    }

    private Long retryAfterSeconds(Failure failure) {
      FailureKind k = failure.kind();
      if (k != FailureKind.RATE_LIMITED && k != FailureKind.OVERLOADED && k != FailureKind.QUOTA_EXHAUSTED
          && k != FailureKind.CIRCUIT_OPEN) return null;
      Duration d = failure.retryAfter() != null ? failure.retryAfter() : Duration.ZERO;
      for (var c : plan.agents()) {
        Instant until = health.of(c.agent().backend()).coolingUntil();
        if (until != null) {
          Duration left = Duration.between(clock.instant(), until);
          if (d.isZero() || left.compareTo(d) < 0) d = left;
        }
      }
      if (k == FailureKind.CIRCUIT_OPEN && d.isZero()) {
        // the real time to the soonest probe, not the configured reset
        d = config.resilience().breaker().resetTimeout();
        for (var c : plan.agents()) {
          Duration next = health.of(c.agent().backend()).nextProbeIn();
          if (next != null && next.compareTo(d) < 0) d = next;
        }
      }
      return Math.max(1, (d.toMillis() + 999) / 1000);
    }

    /**
     * A backend that rejected the key from Rebound's config is the gateway's problem, not the client's: a 502 naming
     * the backend, never a 401 that would send the client looking at its own key. Null when the client's own key was
     * passed through (then it may well be the client's).
     */
    private ClientError ownCredentialsRejected(Failure f) {
      if (f.kind() != FailureKind.AUTH || lastFailedBackend == null || lastFailedBackend.passClientKey()) return null;
      String name = lastFailedBackend.name();
      return new ClientError(502, "api_error", "server_error", "upstream_auth_failed", null,
          "Backend '" + name + "' rejected the credentials Rebound is configured with"
              + (f.message().isBlank() ? "" : " (" + f.message() + ")")
              + ". Your own key is not the problem: the gateway's operator must fix backends[" + name + "].apiKey.");
    }

    private ClientError clientError(Failure f, String whatRebound) {
      return ClientError.forFailure(f, ex.protocol(), whatRebound);
    }

    private void recordHealth(BackendHealth h, Failure failure) {
      switch (failure.kind()) {
        // a cut stream is continued; counting cuts would let a few dropped connections take a whole backend out
        // the request is named so that the same one failing again (a retry, a client's resend) counts once
        case SERVER_ERROR, OVERLOADED, TIMEOUT, CONNECT -> h.failed(failure.kind().type() + ": " + failure.message(),
            ex.tenant() + ":" + ex.body().hashCode(), failure.kind() == FailureKind.CONNECT);
        default -> h.succeeded();
      }
      if (failure.kind() == FailureKind.RATE_LIMITED || failure.kind() == FailureKind.QUOTA_EXHAUSTED
          || failure.kind() == FailureKind.OVERLOADED) {
        Duration cool = failure.retryAfter() != null ? failure.retryAfter()
            : failure.kind() == FailureKind.QUOTA_EXHAUSTED ? config.resilience().breaker().resetTimeout() : null;
        if (cool != null && !cool.isZero()) h.coolUntil(clock.instant().plus(cool));
      }
    }

    /**
     * A limit the backend says is used up (0 left, refilled at a known time) would make the next request a 429: the
     * backend cools until then, so routing sends work to other agents first, as after a 429.
     */
    private void coolIfSpent(AgentDefinition agent, BackendHealth h, RateBudget budget) {
      if (budget == null) return;
      Instant now = clock.instant();
      for (RateBudget.Limit l : budget.limits()) {
        if (l.remaining() == null || l.remaining() > 0 || l.resetsAt() == null || !l.resetsAt().isAfter(now)) continue;
        Instant before = h.coolingUntil();
        if (before != null && !l.resetsAt().isAfter(before)) continue;
        h.coolUntil(l.resetsAt());
        emit("cooldown", "backend '" + agent.backend() + "' says its " + l.name() + " limit for " + agent.model()
            + " is used up (0" + (l.limit() != null ? " of " + l.limit() : "") + " left) until " + l.resetsAt()
            + "; other agents go first until then", agent,
            Map.of("limit", l.name(), "until", l.resetsAt().toString()));
      }
    }

    private MultiMap replyHeaders(AgentDefinition agent) {
      MultiMap m = MultiMap.caseInsensitiveMultiMap();
      if (agent != null) m.add("x-rebound-agent", agent.name());
      m.add("x-rebound-route", plan.route());
      m.add("x-rebound-attempts", String.valueOf(attempts));
      if (ex.session() != null) m.add("x-rebound-session", ex.session().key().id() + "; turn=" + ex.session().turn());
      if (agent != null && sent != null && sent.report() != null) m.add("x-rebound-context", sent.report().header());
      if (!recoveries.isEmpty()) {
        StringBuilder r = new StringBuilder();
        recoveries.forEach((k, v) -> r.append(r.length() == 0 ? "" : ",").append(k).append(':').append(v));
        m.add("x-rebound-recovery", r.toString());
      }
      return m;
    }

    private String upstreamUri(BackendConfig backend) {
      String query = ex.query();
      return backend.basePath() + ex.endpoint().path() + (query == null || query.isEmpty() ? "" : "?" + query);
    }

    /** The client's bytes with only the model swapped; a continuation asks for the rest of the cut answer. */
    private Buffer bodyFor(AgentDefinition agent) {
      boolean fitted = sent != null && sent.json() != null;
      ObjectNode json = fitted ? sent.json() : ex.jsonToSend();
      Buffer bytes = fitted ? sent.body() : ex.bodyToSend();
      if (continuing && client.eventsRelayed() && !client.transcript().partialText().isBlank()) {
        ObjectNode body = ContinuationRequest.build(ex.protocol(), json, client.transcript());
        body.put("model", agent.model());
        return Buffer.buffer(body.toString());
      }
      if (agent.model().equals(ex.model())) return bytes;
      Buffer spliced = JsonSplice.replaceTopLevelString(bytes, "model", agent.model());
      if (spliced != null) return spliced;
      ObjectNode copy = json.deepCopy();
      copy.put("model", agent.model());
      return Buffer.buffer(copy.toString());
    }

    private void emit(String type, String reason, AgentDefinition agent, Map<String, Object> extra) {
      events.emit(event(type, reason, agent, extra));
    }

    private GatewayEvent event(String type, String reason, AgentDefinition agent, Map<String, Object> extra) {
      Map<String, Object> fields = new LinkedHashMap<>();
      if (agent != null) {
        fields.put("agent", agent.name());
        fields.put("backend", agent.backend());
      }
      fields.put("attempt", attempts);
      if (extra != null) fields.putAll(extra);
      return new GatewayEvent(clock.instant(), type, ex.tenant(), ex.sessionId(), reason, fields);
    }
  }

  private static String label(Failure f) {
    return switch (f.kind()) {
      case RATE_LIMITED -> "429";
      case OVERLOADED -> "overloaded";
      case STREAM_CUT -> "cut";
      default -> f.kind().name().toLowerCase().replace('_', '-');
    };
  }

  private static Map<String, String> headerMap(MultiMap headers) {
    Map<String, String> m = new LinkedHashMap<>();
    headers.forEach(e -> m.putIfAbsent(e.getKey().toLowerCase(), e.getValue()));
    return m;
  }
}
