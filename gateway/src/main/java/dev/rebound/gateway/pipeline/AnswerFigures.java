package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.routes.OutcomeBoard;
import dev.rebound.gateway.stream.TokenUsage;
import dev.rebound.routing.AgentDefinition;

/**
 * What best-match measures of an answer besides its time: the time to the first token the client got (streams), the
 * output tokens per second of writing, the request's cost (the agent's {@code cost} per 1,000 tokens, prompt and cache
 * tokens included) and the recoveries it needed on the agent. Read from what the request already holds: the reply's
 * transcript of a stream, or the usage object at the tail of a whole answer (found from its end, as the metrics do,
 * without parsing the answer).
 */
final class AnswerFigures {
  private AnswerFigures() {}

  static OutcomeBoard.Measured of(Exchange ex, AgentDefinition agent, Result result, long elapsedMs, int recoveries) {
    long now = System.nanoTime();
    RequestRecord record = ex.record();
    long firstToken = record == null ? 0 : record.firstTokenNanos();
    long ttftMs = -1;
    TokenUsage usage;
    double writingSeconds;
    if (result instanceof Result.Answered a) {
      usage = a.status() < 300 ? ex.usageOfAnswer(a.body()) : TokenUsage.NONE;
      writingSeconds = elapsedMs / 1000.0;
    } else {
      usage = ex.reply() == null ? TokenUsage.NONE : ex.reply().transcript().usage();
      if (firstToken > 0) ttftMs = (firstToken - ex.startNanos()) / 1_000_000;
      writingSeconds = firstToken > 0 ? (now - firstToken) / 1e9 : elapsedMs / 1000.0;
    }
    double tokensPerSecond = usage.output() > 0 && writingSeconds > 0.001 ? usage.output() / writingSeconds : -1;
    long tokens = usage.input() + usage.output() + usage.cacheRead() + usage.cacheWrite();
    double cost = tokens > 0 ? agent.cost() * tokens / 1000.0 : -1;
    return new OutcomeBoard.Measured(true, elapsedMs, ttftMs, tokensPerSecond, cost, recoveries);
  }
}
