package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.config.ContextConfig;
import dev.rebound.gateway.config.OnOverflow;
import dev.rebound.gateway.context.ContextFit;
import dev.rebound.gateway.context.ContextReport;
import dev.rebound.gateway.context.Summarizer;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.wire.Endpoint;
import dev.rebound.routing.AgentDefinition;
import io.vertx.core.Future;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The context step for one agent of the plan: fits the conversation to its window before the first attempt and again
 * after the upstream said it overflowed, under the overflow policy in force, and reports what it changed.
 */
final class AgentFit {
  private final ContextConfig config;
  private final ContextFit fit;
  private final SessionJournal journal;

  AgentFit(ContextConfig config, ContextFit fit, SessionJournal journal) {
    this.config = config;
    this.fit = fit;
    this.journal = journal;
  }

  /** Whether the request has a conversation to fit (count_tokens only counts). */
  static boolean applies(Exchange ex) {
    return ex.context() != null && ex.endpoint() != Endpoint.COUNT_TOKENS;
  }

  /**
   * The request's x-rebound-on-overflow, else what its own body asks for (Responses' truncation), else the route's
   * policy, else the agent's, else context.onOverflow.
   */
  OnOverflow policyFor(Exchange ex, AgentDefinition agent) {
    OnOverflow p = OnOverflow.fromText(ex.requestHeaders().get(Summarizer.POLICY_HEADER));
    if (p == null) p = OnOverflow.fromText(ex.format().overflowPolicy(ex.json()));
    if (p == null) p = OnOverflow.fromText(ex.routeOnOverflow());
    if (p == null) p = config.agents().get(agent.name());
    if (p == null) p = config.onOverflow();
    return p == OnOverflow.SUMMARIZE && !fit.canSummarize() ? OnOverflow.TRUNCATE : p;
  }

  Future<ContextFit.Decision> preflight(Exchange ex, AgentDefinition agent, OnOverflow policy, List<AgentDefinition> later) {
    return fit.preflight(ex.context(), policy, agent, later);
  }

  /** A smaller request sized by the upstream's overflow error; null when there is nothing left to cut. */
  Future<ContextFit.Decision> afterOverflow(Exchange ex, AgentDefinition agent, OnOverflow policy, Failure failure,
      ContextFit.Send sent, int cuts, List<AgentDefinition> later) {
    return fit.afterOverflow(ex.context(), policy, agent, failure, sent, cuts, later);
  }

  /** Reports what the fit changed (event; a checkpoint of exactly what is sent when the messages changed). */
  void applied(Exchange ex, AgentDefinition agent, ContextFit.Send s, AttemptEvents events) {
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
    events.emit(EventType.CONTEXT, why, agent, fields);
    if (report.messagesChanged()) journal.contextSent(ex, agent, s, why);
  }
}
