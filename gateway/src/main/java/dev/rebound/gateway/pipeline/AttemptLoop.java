package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.config.OnOverflow;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.context.ContextFit;
import dev.rebound.gateway.context.ContextRequest;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureClassifier;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.recovery.AttemptState;
import dev.rebound.gateway.recovery.BackendHealth;
import dev.rebound.gateway.recovery.HealthBoard;
import dev.rebound.gateway.recovery.Pacing;
import dev.rebound.gateway.recovery.Recovery;
import dev.rebound.gateway.recovery.RecoveryDecider;
import dev.rebound.gateway.reply.Reply;
import dev.rebound.gateway.routes.LiveAgentHealth;
import dev.rebound.gateway.time.DurationText;
import dev.rebound.gateway.upstream.Upstream;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.Endpoint;
import dev.rebound.gateway.wire.GatewayException;
import dev.rebound.routing.AgentDefinition;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * Runs the attempt plan, one attempt at a time: permit -> fit -> call -> decide -> act. A breaker permit for the
 * agent's backend, the conversation fitted to its window ({@link AgentFit}), the call relaying into the {@link Reply}
 * ({@link UpstreamAttempt}), what happened read against what the client has ({@link OutcomeReader}), and the next
 * step decided by the pure {@link RecoveryDecider}: wait and retry, next agent, continue a cut stream, refit, give up.
 * It ends the request with a {@link Result}; the way out stores and writes it. A request succeeds whenever some agent
 * of its plan can serve it within the wait budget.
 */
public final class AttemptLoop implements Step {
  private final ReboundConfig config;
  private final HealthBoard health;
  private final Admission admission;
  private final AgentFit fit;
  private final UpstreamAttempt calls;
  private final ContextFit contextFit;
  private final OutcomeReader outcomes;
  private final RecoveryDecider decider;
  private final GiveUpAnswer giveUps;
  private final Timers timers;
  private final DoubleSupplier random;
  private final LiveAgentHealth load;

  public AttemptLoop(ReboundConfig config, Upstream upstream, FailureClassifier classifier, HealthBoard health,
      LiveAgentHealth load, SessionJournal journal, ContextFit fit, Clock clock, Timers timers, DoubleSupplier random) {
    this(config, upstream, classifier, health, load, new Pacing(clock, config.resilience().paceBelow()), journal, fit,
        clock, timers, random);
  }

  /** @param pacing the request budgets (shared by the gateways on one Redis) */
  public AttemptLoop(ReboundConfig config, Upstream upstream, FailureClassifier classifier, HealthBoard health,
      LiveAgentHealth load, Pacing pacing, SessionJournal journal, ContextFit fit, Clock clock, Timers timers,
      DoubleSupplier random) {
    this.config = config;
    this.health = health;
    this.admission = new Admission(clock);
    this.fit = new AgentFit(config.context(), fit, journal);
    this.calls = new UpstreamAttempt(upstream, classifier, load, pacing, config.resilience(),
        config.context().reserveOutputTokens(), timers, clock);
    this.contextFit = fit;
    this.outcomes = new OutcomeReader(classifier);
    this.decider = RecoveryDecider.from(config);
    this.giveUps = new GiveUpAnswer(config.resilience().breaker(), health, clock);
    this.timers = timers;
    this.random = random;
    this.load = load;
  }

  @Override
  public Future<Void> onRequest(Exchange ex) {
    return new Run(ex).start();
  }

  /** One request's attempts. */
  private final class Run {
    private final Exchange ex;
    private final Reply reply;
    private final AttemptHistory history;
    private final AttemptEvents events;
    private final Promise<Void> done = Promise.promise();
    /** Whether this request already said it waits for a breaker's probe (it looks again quietly). */
    private boolean waitedForProbe;
    /** The agent of this request's last failed attempt, and how many of its attempts failed. */
    private String failingAgent;
    private int failedOnAgent;

    Run(Exchange ex) {
      this.ex = ex;
      this.reply = ex.reply();
      this.history = new AttemptHistory(ex.plan(), ex.waitBudget() != null ? ex.waitBudget() : config.resilience().waitBudget());
      // a run that resumes an answer the client already has part of asks for the rest from its first attempt
      if (reply.eventsRelayed()) history.continuing(true);
      this.events = new AttemptEvents(ex, history::attempts);
      reply.headers(() -> history.replyHeaders(ex.session()));
    }

    Future<Void> start() {
      nextAgent();
      return done.future();
    }

    private void end(Result result) {
      reply.stopKeepAlive();
      ex.end(result);
      done.tryComplete();
    }

    // --- permit

    private void nextAgent() {
      if (history.planDone()) giveUp("every agent of the plan was tried");
      else admit(history.agent(), true);
    }

    /** The first attempt on an agent goes through the context step; a retry sends what was fitted before. */
    private void admit(AgentDefinition agent, boolean firstOnAgent) {
      BackendHealth h = health.of(agent.backend());
      Admission.Verdict v = admission.of(agent, h, firstOnAgent, history.lastAgent(), history.budgetLeft(), waitedForProbe);
      if (v instanceof Admission.Go) {
        if (firstOnAgent) fitThenAttempt(agent, h);
        else attempt(agent, h);
      } else if (v instanceof Admission.WaitForProbe w) {
        waitedForProbe = true;
        waitThen(w.delay(), agent, w.why(), this::nextAgent);
      } else if (v instanceof Admission.Skip skip) {
        events.emit(EventType.SKIP, skip.reason(), agent, null);
        history.failedIfFirst(skip.failure());
        moveOn();
      }
    }

    // --- fit

    /** Fits the conversation to this agent's window (pre-flight), then makes the attempt or moves on as it says. */
    private void fitThenAttempt(AgentDefinition agent, BackendHealth h) {
      if (!AgentFit.applies(ex)) {
        attempt(agent, h);
        return;
      }
      OnOverflow policy = fit.policyFor(ex, agent);
      fitting(agent, policy, null, () -> fit.preflight(ex, agent, policy, history.later()), err -> {
        // counting is a best effort: without it the request goes as the client sent it
        events.emit(EventType.CONTEXT, "the prompt could not be counted (" + err + "); sending it unchanged", agent, null);
        attempt(agent, h);
      });
    }

    /** A context fit, with keep-alives while it may call the summarizer; its decision acted on, a failure handled. */
    private void fitting(AgentDefinition agent, OnOverflow policy, Failure overflow,
        Supplier<Future<ContextFit.Decision>> fitting, Consumer<Throwable> failed) {
      if (policy == OnOverflow.SUMMARIZE) {
        // a summary is a model call of its own: the first keep-alive commits the head, which names this agent
        history.heading(agent);
        reply.keepAliveWhileWaiting(config.resilience().keepAliveInterval());
      }
      fitting.get().onComplete(guarded(ar -> {
        reply.stopKeepAlive();
        if (ar.succeeded() && ar.result() != null) actOnFit(agent, ar.result(), overflow);
        else failed.accept(ar.cause());
      }));
    }

    /** The context step's answer: send (after an overflow: again, to the same agent), another agent, or refuse. */
    private void actOnFit(AgentDefinition agent, ContextFit.Decision d, Failure overflow) {
      // a pre-flight that does not send gives the permit back (after an overflow, the failed attempt reported it)
      if (overflow == null && !(d instanceof ContextFit.Send)) health.of(agent.backend()).released();
      if (d instanceof ContextFit.Send s) {
        if (overflow != null) history.recovered(s.report().action() + "-after-" + overflow.kind().recoveryLabel());
        history.fitted(s);
        fit.applied(ex, agent, s, events);
        if (overflow == null) {
          attempt(agent, health.of(agent.backend()));
          return;
        }
        events.emit(EventType.RETRY, "the upstream's overflow error sized a new cut; trying " + agent.name() + " again", agent,
            Map.of("kind", overflow.kind().name()));
        retrySameAgent(agent);
      } else if (d instanceof ContextFit.MoveOn m) {
        history.recovered(overflow == null ? "moved-for-context" : "fell-back-after-" + overflow.kind().recoveryLabel());
        FailureKind kind = overflow == null ? FailureKind.CONTEXT_OVERFLOW : overflow.kind();
        events.emit(EventType.FALLBACK, m.reason(), agent, Map.of("kind", kind.name(), "policy", "larger-window"));
        moveOn();
      } else if (d instanceof ContextFit.Refuse refuse) {
        events.emit(EventType.CONTEXT, refuse.reason(), agent, Map.of("action", "refused"));
        history.refused(refuse.failure());
        giveUp(refuse.reason());
      }
    }

    // --- call, then decide

    private void attempt(AgentDefinition agent, BackendHealth h) {
      if (reply.gone()) {
        // the client left while an earlier step ran (session binding, a summary, a wait): no model call for nobody
        h.released();
        events.emit(EventType.CLIENT_GONE, "client disconnected before the attempt; nothing sent upstream", agent, null);
        end(new Result.ClientGone(null, false, false));
        return;
      }
      var backend = config.backend(agent.backend()).orElseThrow();
      if (ex.endpoint() == Endpoint.COUNT_TOKENS && agent.protocol() != ex.format().protocol()) {
        countHere(agent, h);
        return;
      }
      UpstreamAttempt.Prepared prepared;
      try {
        prepared = calls.prepare(ex, agent, backend, history.sent(), history.continuing());
      } catch (GatewayException e) {
        // the request asks for what this agent's format has no word for; an agent of the client's own may take it
        h.released();
        events.emit(EventType.SKIP, "agent " + agent.name() + " cannot take this request: " + e.error().message(), agent, null);
        history.failedIfFirst(Failure.of(FailureKind.INVALID_REQUEST, e.error().message()));
        moveOn();
        return;
      }
      calls.slot(agent).onComplete(guarded(ar -> paced(agent, h, backend, prepared, ar.result())));
    }

    /** Sends at the request's slot in its backend's budget (at once unless the budget is nearly spent). */
    private void paced(AgentDefinition agent, BackendHealth h, BackendConfig backend, UpstreamAttempt.Prepared prepared,
        Pacing.Slot slot) {
      if (slot.delay().isZero()) {
        send(agent, h, backend, prepared, slot);
        return;
      }
      if (slot.delay().compareTo(history.budgetLeft()) > 0) {
        // a pace longer than the request may wait: it goes now (counted from now), and a 429 is recovered from as any other
        calls.goesNow(agent, slot);
        send(agent, h, backend, prepared, slot);
        return;
      }
      events.emit(EventType.PACE, slot.why(), agent, Map.of("waitMs", slot.delay().toMillis()));
      waitThen(slot.delay(), agent, null, () -> {
        // counted as sent when it goes, not at its slot's time: a timer that fires late (a busy loop) must not put it
        // before a request that went at once meanwhile and whose report cannot have counted it
        calls.goesNow(agent, slot);
        send(agent, h, backend, prepared, slot);
      }, () -> calls.notSent(agent, slot));
    }

    private void send(AgentDefinition agent, BackendHealth h, BackendConfig backend, UpstreamAttempt.Prepared prepared,
        Pacing.Slot slot) {
      history.attempted();
      history.heading(agent);
      calls.send(ex, agent, backend, h, prepared, slot, events).onComplete(guarded(ar -> judge(agent, h, ar.result())));
    }

    /**
     * count_tokens routed to an agent whose format has no such endpoint: the gateway's own counter answers, with the
     * agent's tokenizer, in the shape Anthropic's endpoint has.
     */
    private void countHere(AgentDefinition agent, BackendHealth h) {
      h.released();
      ContextRequest request = ex.context() != null ? ex.context()
          : new ContextRequest(ex.format(), ex.json(), ex.proxyKey(), ex.body().length(), ex.digests());
      contextFit.count(request, agent).onComplete(guarded(ar -> {
        if (ar.failed()) {
          history.failedIfFirst(Failure.of(FailureKind.SERVER_ERROR, "the prompt could not be counted: " + ar.cause()));
          giveUp("the gateway could not count the prompt for agent " + agent.name());
          return;
        }
        int tokens = ar.result().total();
        events.emit(EventType.ANSWERED, "agent " + agent.name() + " speaks " + agent.protocol().id()
            + ", which has no count_tokens: the gateway counted " + tokens + " input tokens", agent, Map.of("status", 200));
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json");
        end(new Result.Answered(agent, 200, headers, Buffer.buffer("{\"input_tokens\":" + tokens + "}")));
      }));
    }

    private void judge(AgentDefinition agent, BackendHealth h, UpstreamAttempt.Ended ended) {
      long elapsedMs = ended.elapsedMs();
      OutcomeReader.Verdict verdict = outcomes.read(ex, agent, ended.outcome(), elapsedMs);
      measure(agent, verdict, elapsedMs);
      if (verdict instanceof OutcomeReader.Ended e) {
        if (e.answered()) h.succeeded(ex.tenant());
        else h.released();
        // decisions are recorded before the client sees the end, so anyone it tells finds them
        events.emit(e.event(), e.why(), agent, e.fields());
        end(e.result());
      } else if (verdict instanceof OutcomeReader.Failed f) {
        Failure failure = f.failure();
        history.failed(failure, ended.outcome(), config.backend(agent.backend()).orElse(null));
        // the request is named so that the same one failing again (a retry, a client's resend) counts once
        h.record(failure, new BackendHealth.Caller(ex.tenant(), ex.body().hashCode()));
        events.emit(EventType.FAILURE, failure.message(), agent, f.facts(elapsedMs));
        act(agent, failure, decider.decide(state(agent), failure, random.getAsDouble()));
      }
    }

    /**
     * What best-match learns of the agent from this attempt: an answer and its time, or a failure that is the
     * backend's (the request's own failures, rate limits and clients that left say nothing of the agent).
     */
    private void measure(AgentDefinition agent, OutcomeReader.Verdict verdict, long elapsedMs) {
      boolean answered = verdict instanceof OutcomeReader.Ended e && e.answered();
      boolean failed = verdict instanceof OutcomeReader.Failed f && f.failure().kind().countsTowardBreaker();
      if (verdict instanceof OutcomeReader.Failed) failuresOn(agent);
      if (!answered && !failed) return;
      var features = ex.plan().featuresKnown() ? ex.plan().features() : null;
      String task = features == null ? "any" : features.domain();
      if (!answered || load.outcomes() == null) {
        load.attempted(agent, task, answered, elapsedMs);
        return;
      }
      Result result = ((OutcomeReader.Ended) verdict).result();
      load.attempted(agent, task, AnswerFigures.of(ex, agent, result, elapsedMs,
          agent.name().equals(failingAgent) ? failedOnAgent : 0));
    }

    /** Failures of this request on the agent so far: the recoveries its answer needed. */
    private void failuresOn(AgentDefinition agent) {
      if (!agent.name().equals(failingAgent)) {
        failingAgent = agent.name();
        failedOnAgent = 0;
      }
      failedOnAgent++;
    }

    private AttemptState state(AgentDefinition agent) {
      return history.state(agent.backend(), health.of(agent.backend()).answeredWithin(RecoveryDecider.RESTARTING_WITHIN),
          reply, config.resilience().continueStreams(), AgentFit.applies(ex) ? fit.policyFor(ex, agent) : null);
    }

    // --- act

    private void act(AgentDefinition agent, Failure failure, Recovery r) {
      if (r instanceof Recovery.Retry retry) {
        history.continuing(retry.continues());
        history.recovered(retry.label());
        waitThen(retry.delay(), agent, retry.reason(), () -> retrySameAgent(agent));
      } else if (r instanceof Recovery.NextAgent next) {
        history.continuing(next.continues());
        history.recovered(next.label());
        events.emit(EventType.FALLBACK, next.reason() + "; next agent: " + history.following().name(), agent, null);
        moveOn();
      } else if (r instanceof Recovery.Refit refit) {
        history.refitted(refit.refit());
        fitting(agent, refit.policy(), failure,
            () -> fit.afterOverflow(ex, agent, refit.policy(), failure, history.sent(), refit.refit(), history.later()),
            err -> act(agent, failure, decider.afterFailedRefit(state(agent), failure, random.getAsDouble())));
      } else if (r instanceof Recovery.CannotContinue c) {
        events.emit(EventType.GIVE_UP, "cannot continue the stream: " + c.reason(), agent, Map.of("kind", failure.kind().name()));
        end(new Result.Failed(ClientError.forFailure(failure, ex.format(), "Rebound could not continue the answer: " + c.reason())));
      } else if (r instanceof Recovery.GiveUp g) {
        giveUp(g.reason());
      }
    }

    /** Another attempt on the same agent, if its breaker still lets one through; else the next agent. */
    private void retrySameAgent(AgentDefinition agent) {
      continueTheStream();
      admit(agent, false);
    }

    private void moveOn() {
      continueTheStream();
      AgentDefinition from = history.planDone() ? null : history.agent();
      history.movedOn();
      if (from != null && !history.planDone() && history.agent().protocol() != from.protocol()) {
        history.recovered("fell-back-across-protocols");
      }
      nextAgent();
    }

    /** From here on upstream events are spliced onto what the client already has. */
    private void continueTheStream() {
      if (history.continuing() && reply.eventsRelayed()) reply.continueWith(reply.transcript().splicer());
    }

    /** Waits on the timers (the client hears keep-alives), then goes on; a client that leaves meanwhile ends it. */
    private void waitThen(Duration wait, AgentDefinition agent, String why, Runnable then) {
      waitThen(wait, agent, why, then, () -> { });
    }

    /** @param abandoned runs when the client leaves during the wait, before the request ends */
    private void waitThen(Duration wait, AgentDefinition agent, String why, Runnable then, Runnable abandoned) {
      Duration left = history.spend(wait);
      // why == null: a wait already said (looking again while a half-open breaker's probes decide)
      if (why != null) {
        events.emit(EventType.WAIT, why + "; waiting " + DurationText.format(wait) + " (" + DurationText.format(left)
            + " of the wait budget left)", agent, Map.of("waitMs", wait.toMillis()));
      }
      if (wait.toMillis() < 1) {
        then.run();
        return;
      }
      // a keep-alive commits the head: it says what has happened so far, this retry included
      history.heading(agent);
      Pause.of(reply, timers, wait, config.resilience().keepAliveInterval(), () -> guard(then), () -> {
        abandoned.run();
        end(new Result.ClientGone(null, false, false));
      });
    }

    private void giveUp(String why) {
      Failure failure = history.lastFailure();
      events.warn(EventType.GIVE_UP, why + "; answering " + failure.kind().type(), null, Map.of("kind", failure.kind().name()));
      end(reply.gone() ? new Result.ClientGone(null, false, false) : giveUps.result(ex, history));
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
}
