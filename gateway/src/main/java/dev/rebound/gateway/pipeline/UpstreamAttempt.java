package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.config.ResilienceConfig;
import dev.rebound.gateway.context.ContextFit;
import dev.rebound.gateway.failure.FailureClassifier;
import dev.rebound.gateway.failure.RateBudget;
import dev.rebound.gateway.recovery.BackendHealth;
import dev.rebound.gateway.reply.Reply;
import dev.rebound.gateway.routes.LiveAgentHealth;
import dev.rebound.gateway.upstream.AttemptOutcome;
import dev.rebound.gateway.upstream.HeaderPolicy;
import dev.rebound.gateway.upstream.Upstream;
import dev.rebound.routing.AgentDefinition;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;

/**
 * One call of the attempt loop: the request built for the agent, sent through the {@link Upstream} with the reply as
 * its target, keep-alives for a streaming client while a slow server has not answered, the agent counted in flight,
 * and the rate limits the answer reports kept on the backend (a limit it says is spent cools it).
 */
final class UpstreamAttempt {
  /** How an attempt ended and how long it took. */
  record Ended(AttemptOutcome outcome, long elapsedMs) {}

  private final Upstream upstream;
  private final FailureClassifier classifier;
  private final LiveAgentHealth load;
  private final SpentLimits spentLimits;
  private final ResilienceConfig resilience;
  private final Timers timers;

  UpstreamAttempt(Upstream upstream, FailureClassifier classifier, LiveAgentHealth load, ResilienceConfig resilience,
      Timers timers, Clock clock) {
    this.upstream = upstream;
    this.classifier = classifier;
    this.load = load;
    this.resilience = resilience;
    this.timers = timers;
    this.spentLimits = new SpentLimits(clock);
  }

  Future<Ended> send(Exchange ex, AgentDefinition agent, BackendConfig backend, BackendHealth h, ContextFit.Send fitted,
      boolean continuing, AttemptEvents events) {
    Reply reply = ex.reply();
    long started = System.nanoTime();
    load.started(agent.name());
    Upstream.Call call = upstream.send(backend, UpstreamBody.uri(ex, backend),
        HeaderPolicy.upstreamHeaders(ex.requestHeaders(), backend, ex.proxyKey()),
        UpstreamBody.of(ex, agent, fitted, continuing), reply);
    long firstByte = keepAliveBeforeFirstByte(ex, call);
    return call.outcome()
        .recover(err -> Future.succeededFuture(new AttemptOutcome.Broken(AttemptOutcome.Breakage.CONNECT, String.valueOf(err))))
        .map(outcome -> {
          if (firstByte >= 0) timers.cancel(firstByte);
          load.ended(agent.name());
          reply.stopKeepAlive();
          RateBudget budget = classifier.rateBudget(call.responseHeaders());
          h.budget(agent.model(), budget);
          // an error's own wait is the classifier's to read; a success that spent the last of a limit is read here
          if (outcome instanceof AttemptOutcome.Answered || outcome instanceof AttemptOutcome.Streamed) {
            spentLimits.coolIfSpent(agent, h, budget, events);
          }
          return new Ended(outcome, (System.nanoTime() - started) / 1_000_000);
        });
  }

  /**
   * A streaming request whose upstream is silent past resilience.firstByteKeepAlive starts hearing keep-alives, so
   * the client's read timeout does not fire while a slow server prefills; -1 when there is no such timer.
   */
  private long keepAliveBeforeFirstByte(Exchange ex, Upstream.Call call) {
    Duration after = resilience.firstByteKeepAlive();
    if (!ex.stream() || after.isZero() || ex.reply().eventsRelayed()) return -1;
    return timers.schedule(after, () -> {
      if (call.responseHeaders() == null) ex.reply().keepAliveBeforeFirstByte(resilience.keepAliveInterval());
    });
  }
}
