package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.config.DurationText;
import dev.rebound.gateway.config.OnOverflow;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.context.ContextFit;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureClassifier;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.failure.RateBudget;
import dev.rebound.gateway.recovery.BackendHealth;
import dev.rebound.gateway.recovery.HealthBoard;
import dev.rebound.gateway.recovery.RecoveryDecision;
import dev.rebound.gateway.recovery.RetryPolicy;
import dev.rebound.gateway.reply.Reply;
import dev.rebound.gateway.reply.ReplyHeaders;
import dev.rebound.gateway.routes.LiveAgentHealth;
import dev.rebound.gateway.upstream.AttemptOutcome;
import dev.rebound.gateway.upstream.HeaderPolicy;
import dev.rebound.gateway.upstream.Upstream;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.routing.AgentDefinition;
import dev.rebound.routing.AttemptPlan;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * Runs the attempt plan, one attempt at a time: permit -> fit -> call -> decide -> act. A breaker permit for the
 * agent's backend, the conversation fitted to its window, the upstream call relaying into the {@link Reply}, the
 * failure classified and a recovery decided (done, wait and retry, next agent, continue a cut stream, refit, give up).
 * It ends the request with a {@link Result}; the way out stores and writes it. A request succeeds whenever some agent
 * of its plan can serve it within the wait budget.
 */
public final class AttemptLoop implements Step {
  /** How often a request waiting on a half-open breaker looks again (its probes are in flight and decide soon). */
  static final Duration PROBE_POLL = Duration.ofMillis(250);
  /** A backend that refuses connections but answered within this long is taken to be restarting, and waited for. */
  static final Duration RESTARTING_WITHIN = Duration.ofMinutes(10);
  /** Cuts sized by an upstream's overflow errors on one agent before the plan moves on. */
  static final int MAX_CONTEXT_CUTS = 3;

  private final ReboundConfig config;
  private final Upstream upstream;
  private final FailureClassifier classifier;
  private final OutcomeReader outcomes;
  private final RetryPolicy policy;
  private final HealthBoard health;
  private final HealthRecorder recorder;
  private final LiveAgentHealth load;
  private final AgentFit fit;
  private final GiveUpAnswer giveUps;
  private final Clock clock;
  private final Timers timers;
  private final DoubleSupplier random;

  public AttemptLoop(ReboundConfig config, Upstream upstream, FailureClassifier classifier, HealthBoard health,
      LiveAgentHealth load, SessionJournal journal, ContextFit fit, Clock clock, Timers timers, DoubleSupplier random) {
    this.config = config;
    this.upstream = upstream;
    this.classifier = classifier;
    this.outcomes = new OutcomeReader(classifier);
    this.policy = RetryPolicy.from(config);
    this.health = health;
    this.recorder = new HealthRecorder(config.resilience().breaker(), clock);
    this.load = load;
    this.fit = new AgentFit(config.context(), fit, journal);
    this.giveUps = new GiveUpAnswer(config.resilience().breaker(), health, clock);
    this.clock = clock;
    this.timers = timers;
    this.random = random;
  }

  @Override
  public Future<Void> onRequest(Exchange ex) {
    return new Run(ex).start();
  }

  /** The state of one request's attempts. */
  private final class Run {
    private final Exchange ex;
    private final AttemptPlan plan;
    private final Reply reply;
    private final AttemptEvents events;
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
    /** What the reply's head says of the agent and its context, as of the last attempt, wait or summary. */
    private AgentDefinition headAgent;
    private String headContext;
    private Long retryAfter;

    Run(Exchange ex) {
      this.ex = ex;
      this.plan = ex.plan();
      this.reply = ex.reply();
      this.events = new AttemptEvents(ex, clock, () -> attempts);
      reply.headers(this::replyHeaders);
    }

    Future<Void> start() {
      nextAttempt();
      return done.future();
    }

    private void end(Result result) {
      reply.stopKeepAlive();
      ex.end(result);
      done.tryComplete();
    }

    // --- permit

    private void nextAttempt() {
      if (agentIndex >= plan.agents().size()) {
        giveUp("every agent of the plan was tried");
        return;
      }
      AgentDefinition agent = agent();
      BackendHealth h = health.of(agent.backend());
      Instant cooling = h.coolingUntil();
      if (cooling != null && !lastAgent()) {
        Duration left = Duration.between(clock.instant(), cooling);
        events.emit("skip", agent.name() + " is cooling down for " + DurationText.format(left) + "; trying the next agent", agent, null);
        if (lastFailure == null) {
          lastFailure = new Failure(FailureKind.RATE_LIMITED, left, null, null, null, null, "backend '" + agent.backend() + "' is rate limited");
        }
        moveOn();
        return;
      }
      // the last agent is tried even while cooling: another request's 429 is a hint, the server's answer decides
      if (permitted(agent, h)) fitThenAttempt(agent, h);
    }

    /** Whether the breaker lets an attempt through; if not, the request waits for its probe or moves on. */
    private boolean permitted(AgentDefinition agent, BackendHealth h) {
      String denied = h.acquire();
      if (denied == null) return true;
      if (lastAgent() && waitForProbe(agent, h, denied)) return false;
      events.emit("skip", agent.name() + ": " + denied, agent, null);
      if (lastFailure == null) lastFailure = Failure.of(FailureKind.CIRCUIT_OPEN, "backend '" + agent.backend() + "': " + denied);
      moveOn();
      return false;
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

    // --- fit

    /** Fits the conversation to this agent's window (pre-flight), then makes the attempt or moves on as it says. */
    private void fitThenAttempt(AgentDefinition agent, BackendHealth h) {
      if (!AgentFit.applies(ex)) {
        attempt(agent);
        return;
      }
      OnOverflow p = fit.policyFor(ex, agent);
      hearKeepAlivesIf(p == OnOverflow.SUMMARIZE, agent);
      fit.preflight(ex, agent, p, later()).onComplete(guarded(ar -> {
        reply.stopKeepAlive();
        if (ar.failed()) {
          // counting is a best effort: without it the request goes as the client sent it
          events.emit("context", "the prompt could not be counted (" + ar.cause() + "); sending it unchanged", agent, null);
          attempt(agent);
          return;
        }
        if (!(ar.result() instanceof ContextFit.Send)) h.released();
        actOnFit(agent, ar.result(), null);
      }));
    }

    /** The context step's answer: send (after an overflow: again, to the same agent), another agent, or refuse. */
    private void actOnFit(AgentDefinition agent, ContextFit.Decision d, Failure overflow) {
      if (d instanceof ContextFit.Send s) {
        if (overflow != null) recoveries.merge(s.report().action() + "-after-" + label(overflow), 1, Integer::sum);
        sent = s;
        fit.applied(ex, agent, s, events);
        if (overflow == null) {
          attempt(agent);
          return;
        }
        events.emit("retry", "the upstream's overflow error sized a new cut; trying " + agent.name() + " again", agent,
            Map.of("kind", overflow.kind().name()));
        retrySameAgent(agent);
      } else if (d instanceof ContextFit.MoveOn m) {
        recoveries.merge(overflow == null ? "moved-for-context" : "fell-back-after-" + label(overflow), 1, Integer::sum);
        events.emit("fallback", m.reason(), agent, Map.of("kind", (overflow == null ? FailureKind.CONTEXT_OVERFLOW
            : overflow.kind()).name(), "policy", "larger-window"));
        moveOn();
      } else {
        ContextFit.Refuse refuse = (ContextFit.Refuse) d;
        events.emit("context", refuse.reason(), agent, Map.of("action", "refused"));
        lastFailure = refuse.failure();
        lastErrorAnswer = null;
        giveUp(refuse.reason());
      }
    }

    private List<AgentDefinition> later() {
      return plan.agents().subList(Math.min(agentIndex + 1, plan.agents().size()), plan.agents().size()).stream()
          .map(AttemptPlan.Candidate::agent).toList();
    }

    // --- call

    private void attempt(AgentDefinition agent) {
      attempts++;
      attemptsOnAgent++;
      BackendConfig backend = config.backend(agent.backend()).orElseThrow();
      BackendHealth h = health.of(agent.backend());
      heading(agent);
      long started = System.nanoTime();
      load.started(agent.name());
      Upstream.Call call = upstream.send(backend, UpstreamBody.uri(ex, backend),
          HeaderPolicy.upstreamHeaders(ex.requestHeaders(), backend, ex.proxyKey()),
          UpstreamBody.of(ex, agent, sent, continuing), reply);
      long firstByte = keepAliveBeforeFirstByte(call);
      call.outcome().onComplete(guarded(ar -> {
        if (firstByte >= 0) timers.cancel(firstByte);
        load.ended(agent.name());
        reply.stopKeepAlive();
        AttemptOutcome outcome = ar.succeeded() ? ar.result()
            : new AttemptOutcome.Broken(AttemptOutcome.Breakage.CONNECT, String.valueOf(ar.cause()));
        RateBudget budget = classifier.rateBudget(call.responseHeaders());
        h.budget(agent.model(), budget);
        // an error's own wait is the classifier's to read; a success that spent the last of a limit is read here
        if (outcome instanceof AttemptOutcome.Answered || outcome instanceof AttemptOutcome.Streamed) {
          recorder.coolIfSpent(agent, h, budget, events);
        }
        handle(agent, h, outcome, (System.nanoTime() - started) / 1_000_000);
      }));
    }

    /**
     * A streaming request whose upstream is silent past resilience.firstByteKeepAlive starts hearing keep-alives, so
     * the client's read timeout does not fire while a slow server prefills; -1 when there is no such timer.
     */
    private long keepAliveBeforeFirstByte(Upstream.Call call) {
      Duration after = config.resilience().firstByteKeepAlive();
      if (!ex.stream() || after.isZero() || reply.eventsRelayed()) return -1;
      return timers.schedule(after, () -> {
        if (call.responseHeaders() == null) reply.keepAliveBeforeFirstByte(config.resilience().keepAliveInterval());
      });
    }

    // --- decide

    private void handle(AgentDefinition agent, BackendHealth h, AttemptOutcome outcome, long elapsedMs) {
      OutcomeReader.Verdict verdict = outcomes.read(ex, agent, outcome, elapsedMs);
      if (verdict instanceof OutcomeReader.Whole w) {
        h.succeeded();
        // decisions are recorded before the client sees the end, so anyone it tells finds them
        events.emit("answered", w.why(), agent, w.fields());
        end(w.result());
      } else if (verdict instanceof OutcomeReader.Left left && left.answerWhole()) {
        // the client may have seen it whole and closed at once: the answer is the session's all the same
        h.succeeded();
        events.emit("answered", "the client disconnected after the answer was whole; storing the turn", agent,
            Map.of("status", 200, "elapsedMs", elapsedMs, "clientGone", true));
        end(new Result.ClientGone(agent, true, false));
      } else if (verdict instanceof OutcomeReader.Left left) {
        // a cut answer is kept as a partial turn, so a resume finds what was said
        h.released();
        events.emit("client-gone", "client disconnected; upstream request cancelled", agent, Map.of("elapsedMs", elapsedMs));
        end(new Result.ClientGone(agent, false, left.keepPartial()));
      } else {
        failed(agent, h, (OutcomeReader.Failed) verdict, outcome, elapsedMs);
      }
    }

    private void failed(AgentDefinition agent, BackendHealth h, OutcomeReader.Failed verdict, AttemptOutcome outcome,
        long elapsedMs) {
      Failure failure = verdict.failure();
      lastErrorAnswer = outcome instanceof AttemptOutcome.ErrorAnswer e ? e : null;
      lastFailure = failure;
      lastFailedBackend = config.backend(agent.backend()).orElse(null);
      // the request is named so that the same one failing again (a retry, a client's resend) counts once
      recorder.failed(h, failure, ex.tenant() + ":" + ex.body().hashCode());
      Map<String, Object> facts = new LinkedHashMap<>();
      facts.put("kind", failure.kind().name());
      if (verdict.status() != null) facts.put("status", verdict.status());
      if (failure.retryAfter() != null) facts.put("retryAfterMs", failure.retryAfter().toMillis());
      facts.put("elapsedMs", elapsedMs);
      events.emit("failure", failure.message(), agent, facts);
      recover(agent, failure);
    }

    private void recover(AgentDefinition agent, Failure failure) {
      if (reply.eventsRelayed()) {
        String impossible = continuationImpossible(failure);
        if (impossible != null) {
          events.emit("give-up", "cannot continue the stream: " + impossible, agent, Map.of("kind", failure.kind().name()));
          end(new Result.Failed(ClientError.forFailure(failure, ex.format(), "Rebound could not continue the answer: " + impossible)));
          return;
        }
        continuing = true;
      }
      boolean overflow = failure.kind() == FailureKind.CONTEXT_OVERFLOW || failure.kind() == FailureKind.OUTPUT_LIMIT;
      if (overflow && !continuing && AgentFit.applies(ex)) {
        OnOverflow p = fit.policyFor(ex, agent);
        if (p == OnOverflow.FAIL) {
          giveUp("context.onOverflow is fail: the overflow goes back to the client");
          return;
        }
        if (overflowsOnAgent < MAX_CONTEXT_CUTS && sent != null) {
          overflowsOnAgent++;
          hearKeepAlivesIf(p == OnOverflow.SUMMARIZE, agent);
          fit.afterOverflow(ex, agent, p, failure, sent, overflowsOnAgent, later()).onComplete(guarded(ar -> {
            reply.stopKeepAlive();
            if (ar.failed() || ar.result() == null) decideByPolicy(agent, failure);
            else actOnFit(agent, ar.result(), failure);
          }));
          return;
        }
      }
      decideByPolicy(agent, failure);
    }

    /** Null when the cut answer can be continued; otherwise why not. */
    private String continuationImpossible(Failure failure) {
      if (!config.resilience().continueStreams()) return "continuation is disabled (resilience.continueStreams)";
      if (reply.transcript().toolCallInProgress()) return "a tool call's arguments were cut mid-way";
      if (!failure.kind().retryable() && !failure.kind().fallbackAvailable()) return failure.kind().type() + " cannot be recovered";
      return null;
    }

    private void decideByPolicy(AgentDefinition agent, Failure failure) {
      // nowhere else to go: outlast what the backend says will pass (a refused connection only if it answered lately)
      boolean nowhereElse = lastAgent() && (failure.kind() != FailureKind.CONNECT
          || health.of(agent.backend()).answeredWithin(RESTARTING_WITHIN));
      RecoveryDecision decision = policy.decide(failure, agent.backend(), attemptsOnAgent, budgetLeft, random.getAsDouble(),
          nowhereElse);
      String label = (continuing ? "continued-after-" : decision instanceof RecoveryDecision.Retry ? "retried-after-" : "fell-back-after-")
          + label(failure);
      if (decision instanceof RecoveryDecision.Retry r) {
        recoveries.merge(label, 1, Integer::sum);
        waitThen(r.delay(), agent, r.reason(), () -> retrySameAgent(agent));
      } else if (decision instanceof RecoveryDecision.NextAgent n) {
        if (!lastAgent()) {
          recoveries.merge(label, 1, Integer::sum);
          events.emit("fallback", n.reason() + "; next agent: " + plan.agents().get(agentIndex + 1).agent().name(), agent, null);
        }
        moveOn();
      } else {
        giveUp(decision.reason());
      }
    }

    // --- act

    /** Another attempt on the same agent, if its breaker still lets one through; else the next agent. */
    private void retrySameAgent(AgentDefinition agent) {
      prepareContinuation();
      if (permitted(agent, health.of(agent.backend()))) attempt(agent);
    }

    private void moveOn() {
      prepareContinuation();
      agentIndex++;
      attemptsOnAgent = 0;
      overflowsOnAgent = 0;
      sent = null;
      nextAttempt();
    }

    /** From here on upstream events are spliced onto what the client already has. */
    private void prepareContinuation() {
      if (continuing && reply.eventsRelayed()) reply.continueWith(reply.transcript().splicer());
    }

    /**
     * A summary is a model call of its own: a streaming client hears keep-alives meanwhile, as during a wait. The
     * first one commits the head, so the head names this agent (x-rebound-context is then only in the context event).
     */
    private void hearKeepAlivesIf(boolean mayCallTheSummarizer, AgentDefinition agent) {
      if (!mayCallTheSummarizer) return;
      heading(agent);
      reply.keepAliveWhileWaiting(config.resilience().keepAliveInterval());
    }

    private void waitThen(Duration wait, AgentDefinition agent, String why, Runnable then) {
      budgetLeft = budgetLeft.minus(wait);
      // why == null: a wait already said (looking again while a half-open breaker's probes decide)
      if (why != null) {
        events.emit("wait", why + "; waiting " + DurationText.format(wait) + " (" + DurationText.format(budgetLeft)
            + " of the wait budget left)", agent, Map.of("waitMs", wait.toMillis()));
      }
      if (wait.toMillis() < 1) {
        then.run();
        return;
      }
      // a keep-alive commits the head: it says what has happened so far, this retry included
      heading(agent);
      reply.keepAliveWhileWaiting(config.resilience().keepAliveInterval());
      // the client may leave while we wait: then there is nothing left to do
      long timer = timers.schedule(wait, () -> guard(() -> {
        reply.whenGone(null);
        reply.stopKeepAlive();
        if (reply.gone()) end(new Result.ClientGone(null, false, false));
        else then.run();
      }));
      reply.whenGone(() -> {
        timers.cancel(timer);
        end(new Result.ClientGone(null, false, false));
      });
    }

    private void giveUp(String why) {
      Failure failure = lastFailure != null ? lastFailure : Failure.of(FailureKind.NO_ROUTE, "no agent could be tried");
      events.warn("give-up", why + "; answering " + failure.kind().type(), null, Map.of("kind", failure.kind().name()));
      if (reply.gone()) {
        end(new Result.ClientGone(null, false, false));
        return;
      }
      retryAfter = giveUps.retryAfterSeconds(failure, plan);
      end(giveUps.result(ex, failure, lastErrorAnswer, lastFailedBackend, "Rebound tried " + attempts + " time(s) across "
          + Math.min(agentIndex + 1, plan.agents().size()) + " agent(s)"));
    }

    // --- helpers

    private AgentDefinition agent() {
      return plan.agents().get(agentIndex).agent();
    }

    private boolean lastAgent() {
      return agentIndex + 1 >= plan.agents().size();
    }

    /** The head, when it goes out, names this agent and what the context step did for it. */
    private void heading(AgentDefinition agent) {
      headAgent = agent;
      headContext = sent != null && sent.report() != null ? sent.report().header() : null;
    }

    private ReplyHeaders replyHeaders() {
      String session = ex.session() == null ? null : ex.session().key().id() + "; turn=" + ex.session().turn();
      return new ReplyHeaders(headAgent == null ? null : headAgent.name(), plan.route(), attempts, session, headContext,
          recoveries, retryAfter);
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
        reply.stopKeepAlive();
        done.tryFail(e);
      }
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
}
