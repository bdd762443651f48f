package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.config.OnOverflow;
import dev.rebound.gateway.context.ContextFit;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.recovery.AttemptState;
import dev.rebound.gateway.reply.Reply;
import dev.rebound.gateway.reply.ReplyHeaders;
import dev.rebound.gateway.upstream.AttemptOutcome;
import dev.rebound.routing.AgentDefinition;
import dev.rebound.routing.AttemptPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one request's attempts have done so far: where in the plan it is, how many attempts, what failed last, how
 * much of the wait budget is left, which recoveries hid a failure, and what the reply's head says.
 */
final class AttemptHistory {
  private final AttemptPlan plan;
  private final Map<String, Integer> recoveries = new LinkedHashMap<>();
  private Duration budgetLeft;
  private int agentIndex;
  private int attemptsOnAgent;
  private int attempts;
  private int refitsOnAgent;
  /** The client has part of a cut answer, and the next attempts continue it. */
  private boolean continuing;
  /** What goes to the current agent once the context step fitted it; null before the first attempt on it. */
  private ContextFit.Send sent;
  private Failure lastFailure;
  private AttemptOutcome.ErrorAnswer lastErrorAnswer;
  private BackendConfig lastFailedBackend;
  /** What the reply's head says of the agent and its context, as of the last attempt, wait or summary. */
  private AgentDefinition headAgent;
  private String headContext;
  private Long retryAfter;

  AttemptHistory(AttemptPlan plan, Duration waitBudget) {
    this.plan = plan;
    this.budgetLeft = waitBudget;
  }

  boolean planDone() {
    return agentIndex >= plan.agents().size();
  }

  AgentDefinition agent() {
    return plan.agents().get(agentIndex).agent();
  }

  boolean lastAgent() {
    return agentIndex + 1 >= plan.agents().size();
  }

  /** The agent the plan moves to after the current one (there is one: see {@link #lastAgent()}). */
  AgentDefinition following() {
    return plan.agents().get(agentIndex + 1).agent();
  }

  /** The agents after the current one (where the context step may move a request that does not fit). */
  List<AgentDefinition> later() {
    List<AttemptPlan.Candidate> all = plan.agents();
    if (agentIndex + 1 >= all.size()) return List.of(); // the usual plan: one agent, none after it
    List<AgentDefinition> later = new ArrayList<>(all.size() - agentIndex - 1);
    for (int i = agentIndex + 1; i < all.size(); i++) later.add(all.get(i).agent());
    return later;
  }

  /** The plan moves to its next agent, which starts with no attempts and nothing fitted. */
  void movedOn() {
    agentIndex++;
    attemptsOnAgent = 0;
    refitsOnAgent = 0;
    sent = null;
  }

  void attempted() {
    attempts++;
    attemptsOnAgent++;
  }

  int attempts() {
    return attempts;
  }

  /** How many agents the request got to, for the give-up's message. */
  int agentsTried() {
    return Math.min(agentIndex + 1, plan.agents().size());
  }

  void fitted(ContextFit.Send s) {
    this.sent = s;
  }

  ContextFit.Send sent() {
    return sent;
  }

  void refitted(int refit) {
    this.refitsOnAgent = refit;
  }

  void continuing(boolean continuing) {
    this.continuing = continuing;
  }

  boolean continuing() {
    return continuing;
  }

  /** A recovery that hid a failure from the client, counted in x-rebound-recovery. */
  void recovered(String label) {
    recoveries.merge(label, 1, Integer::sum);
  }

  /** Takes a wait out of the budget; what is left. */
  Duration spend(Duration wait) {
    budgetLeft = budgetLeft.minus(wait);
    return budgetLeft;
  }

  Duration budgetLeft() {
    return budgetLeft;
  }

  /** The attempt on {@code backend} failed; {@code outcome} is kept when it was the upstream's own error answer. */
  void failed(Failure failure, AttemptOutcome outcome, BackendConfig backend) {
    lastFailure = failure;
    lastErrorAnswer = outcome instanceof AttemptOutcome.ErrorAnswer e ? e : null;
    lastFailedBackend = backend;
  }

  /** A failure that stands for the request's until an attempt fails for real (a skipped agent's reason). */
  void failedIfFirst(Failure failure) {
    if (lastFailure == null) lastFailure = failure;
  }

  /** A failure the context step decided on: no upstream words go with it. */
  void refused(Failure failure) {
    lastFailure = failure;
    lastErrorAnswer = null;
  }

  Failure lastFailure() {
    return lastFailure != null ? lastFailure : Failure.of(FailureKind.NO_ROUTE, "no agent could be tried");
  }

  AttemptOutcome.ErrorAnswer lastErrorAnswer() {
    return lastErrorAnswer;
  }

  BackendConfig lastFailedBackend() {
    return lastFailedBackend;
  }

  /** The facts the recovery decider decides on. */
  AttemptState state(String backend, boolean answeredRecently, Reply reply, boolean continueStreams, OnOverflow policy) {
    return new AttemptState(backend, attemptsOnAgent, lastAgent(), answeredRecently, budgetLeft, reply.eventsRelayed(),
        reply.transcript().toolCallInProgress(), continueStreams, policy, sent != null, refitsOnAgent, continuing);
  }

  /** The head, when it goes out, names this agent and what the context step did for it. */
  void heading(AgentDefinition agent) {
    headAgent = agent;
    headContext = sent != null && sent.report() != null ? sent.report().header() : null;
  }

  void retryAfter(Long seconds) {
    this.retryAfter = seconds;
  }

  ReplyHeaders replyHeaders(SessionTurn session) {
    String turn = session == null ? null : session.key().id() + "; turn=" + session.turn();
    return new ReplyHeaders(headAgent == null ? null : headAgent.name(), plan.route(), attempts, turn, headContext,
        recoveries, retryAfter);
  }
}
