package dev.rebound.gateway.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.config.ResilienceConfig;
import dev.rebound.gateway.context.ContextFit;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.failure.FailureClassifier;
import dev.rebound.gateway.failure.RateBudget;
import dev.rebound.gateway.recovery.BackendHealth;
import dev.rebound.gateway.recovery.Pacing;
import dev.rebound.gateway.reply.Reply;
import dev.rebound.gateway.routes.LiveAgentHealth;
import dev.rebound.gateway.upstream.AttemptOutcome;
import dev.rebound.gateway.upstream.HeaderPolicy;
import dev.rebound.gateway.upstream.StreamTarget;
import dev.rebound.gateway.upstream.Upstream;
import dev.rebound.gateway.wire.GatewayException;
import dev.rebound.gateway.wire.translate.Translation;
import dev.rebound.gateway.wire.translate.Translations;
import dev.rebound.routing.AgentDefinition;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One call of the attempt loop: the request built for the agent, sent through the {@link Upstream} with the reply as
 * its target, keep-alives for a streaming client while a slow server has not answered, the agent counted in flight,
 * and the rate limits the answer reports kept on the backend (a limit it says is spent cools it). An agent that speaks
 * another wire format than the client gets the request translated, and its answer (whole or streamed) comes back in
 * the client's format.
 */
final class UpstreamAttempt {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How an attempt ended and how long it took. */
  record Ended(AttemptOutcome outcome, long elapsedMs) {}

  private final Upstream upstream;
  private final FailureClassifier classifier;
  private final LiveAgentHealth load;
  private final SpentLimits spentLimits;
  private final ResilienceConfig resilience;
  private final Timers timers;
  private final int reserveOutputTokens;
  private final Pacing pacing;

  UpstreamAttempt(Upstream upstream, FailureClassifier classifier, LiveAgentHealth load, Pacing pacing,
      ResilienceConfig resilience, int reserveOutputTokens, Timers timers, Clock clock) {
    this.reserveOutputTokens = reserveOutputTokens;
    this.pacing = pacing;
    this.upstream = upstream;
    this.classifier = classifier;
    this.load = load;
    this.resilience = resilience;
    this.timers = timers;
    this.spentLimits = new SpentLimits(clock);
  }

  /** What one attempt sends to an agent, in the agent's wire format, and what a translation left out of it. */
  record Prepared(Buffer body, Translation translation, List<Translation.Dropped> dropped) {}

  /**
   * The request for this agent: the client's (fitted, continued) and, when the agent speaks another format,
   * translated.
   *
   * @throws GatewayException a 400 naming a field this agent's format cannot honour (another agent may take it)
   */
  Prepared prepare(Exchange ex, AgentDefinition agent, BackendConfig backend, ContextFit.Send fitted, boolean continuing) {
    Translation translation = Translations.between(ex.format().protocol(), agent.protocol());
    List<Translation.Dropped> dropped = new ArrayList<>();
    Buffer body = UpstreamBody.of(ex, agent, fitted, continuing, translation, maxTokens(agent, backend), dropped::add);
    return new Prepared(body, translation, dropped);
  }

  /** This attempt's place in its backend's request limit: when the limit is nearly spent, it may have to wait. */
  Future<Pacing.Slot> slot(AgentDefinition agent) {
    return pacing.next(agent.backend(), agent.model());
  }

  /** A paced attempt goes now: after its wait, or at once when its pace was longer than its wait budget. */
  void goesNow(AgentDefinition agent, Pacing.Slot slot) {
    pacing.goesNow(agent.backend(), agent.model(), slot);
  }

  /** A paced attempt never went: its client left while it waited. */
  void notSent(AgentDefinition agent, Pacing.Slot slot) {
    pacing.notSent(agent.backend(), agent.model(), slot);
  }

  Future<Ended> send(Exchange ex, AgentDefinition agent, BackendConfig backend, BackendHealth h, Prepared prepared,
      Pacing.Slot slot, AttemptEvents events) {
    Reply reply = ex.reply();
    Translation translation = prepared.translation();
    if (translation != null) {
      StringBuilder why = new StringBuilder("agent " + agent.name() + " speaks " + translation.backend().id()
          + ": the request goes over translated and the answer comes back as " + translation.client().id());
      for (Translation.Dropped d : prepared.dropped()) why.append("; left out ").append(d.field()).append(": ").append(d.why());
      events.emit(EventType.TRANSLATE, why.toString(), agent, Map.of("from", translation.client().id(),
          "to", translation.backend().id(), "dropped", prepared.dropped().stream().map(Translation.Dropped::field).toList()));
    }
    long started = System.nanoTime();
    load.started(agent.name());
    StreamTarget target = translation == null ? reply : new TranslatedStream(reply, translation.stream(ex.json()));
    io.vertx.core.MultiMap headers = HeaderPolicy.upstreamHeaders(ex.requestHeaders(), ex.format().protocol(), backend, ex.proxyKey());
    events.sending(agent, headers);
    Upstream.Call call = upstream.send(backend, UpstreamBody.uri(ex, backend, translation), headers, prepared.body(), target);
    long firstByte = keepAliveBeforeFirstByte(ex, call);
    return call.outcome()
        .recover(err -> Future.succeededFuture(new AttemptOutcome.Broken(AttemptOutcome.Breakage.CONNECT, String.valueOf(err))))
        .map(outcome -> {
          if (firstByte >= 0) timers.cancel(firstByte);
          load.ended(agent.name());
          reply.stopKeepAlive();
          // a stream that ended after its stop reason but before the usage the client's format waits for is whole
          if (target instanceof TranslatedStream translated && !(outcome instanceof AttemptOutcome.ClientGone)) {
            translated.upstreamEnded();
          }
          RateBudget budget = classifier.rateBudget(call.responseHeaders());
          h.budget(agent.model(), budget);
          pacing.reported(agent.backend(), agent.model(), budget, slot);
          // an error's own wait is the classifier's to read; a success that spent the last of a limit is read here
          if (outcome instanceof AttemptOutcome.Answered || outcome instanceof AttemptOutcome.Streamed) {
            spentLimits.coolIfSpent(agent, h, budget, events);
          }
          return new Ended(translation == null ? outcome : answerOf(outcome, translation, ex.json()), (System.nanoTime() - started) / 1_000_000);
        });
  }

  /** A whole answer in the client's format; an error answer stays as the backend sent it (the classifier reads it). */
  private AttemptOutcome answerOf(AttemptOutcome outcome, Translation translation, JsonNode clientRequest) {
    if (!(outcome instanceof AttemptOutcome.Answered a) || classifier.classifyAnswer(a.headers(), a.body()) != null) return outcome;
    try {
      JsonNode answer = JSON.readTree(a.body().getBytes());
      return new AttemptOutcome.Answered(a.status(), a.headers(), Buffer.buffer(translation.answer(clientRequest, answer).toString()));
    } catch (java.io.IOException | RuntimeException e) {
      return new AttemptOutcome.Broken(AttemptOutcome.Breakage.STREAM_CUT, "the answer could not be read as "
          + translation.backend().id() + " to translate it: " + e.getMessage());
    }
  }

  /** The output limit of a translated request whose client set none: the model's own, else the context reserve. */
  private int maxTokens(AgentDefinition agent, BackendConfig backend) {
    int own = backend.model(agent.model()).map(BackendConfig.ModelConfig::maxOutputTokens).orElse(0);
    return own > 0 ? own : reserveOutputTokens;
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
