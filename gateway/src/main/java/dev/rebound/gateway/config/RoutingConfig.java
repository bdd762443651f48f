package dev.rebound.gateway.config;

import dev.rebound.routing.TaskPatterns;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How routing reads tasks and reloads rules.
 *
 * @param taskPatternsFile the dictionaries file; null means the ones shipped with Rebound
 * @param watch            how often the config file is checked for route changes (0: never)
 */
public record RoutingConfig(Path taskPatternsFile, Duration watch, TaskPatterns patterns, Outcomes outcomes) {
  /**
   * How agents' recent outcomes enter best-match.
   *
   * @param window           how far back outcomes count (older ones are forgotten, so an agent that lost its traffic
   *                         wins it back once its failures are that old)
   * @param minSamples       outcomes an agent needs on a kind of task before they count
   * @param failureWeight    score lost at a 100 % failure rate (capability match is worth 3)
   * @param latencyWeight    score lost per doubling of the median answer time against the fastest agent on the task (at most 2)
   * @param explore          the share of best-match requests sent to the runner-up, so it keeps being measured
   * @param ttftWeight       score lost per doubling of the median time to first token (streams) against the quickest (at most 2)
   * @param throughputWeight score lost per halving of output tokens per second against the fastest writer (at most 2)
   * @param recoveryWeight   score lost per recovery (retry, continuation) an answer needed on average (at most 3)
   * @param costWeight       score lost per doubling of the cost per request against the cheapest agent (at most 2)
   * @param feedbackWeight   score an agent gains or loses on a kind of task from clients' and people's feedback, at
   *                         most (reached as votes pile up: the mean vote, pulled towards 0 by two neutral ones)
   * @param feedbackWindow   how far back feedback counts
   * @param regenerateScore  the vote a client casts on an answer by asking the same question again (mildly negative)
   */
  public record Outcomes(Duration window, int minSamples, double failureWeight, double latencyWeight, double explore,
      double ttftWeight, double throughputWeight, double recoveryWeight, double costWeight, double feedbackWeight,
      Duration feedbackWindow, double regenerateScore) {
    public static final Outcomes DEFAULT = new Outcomes(Duration.ofMinutes(5), 5, 6, 1, 0.05, 1, 0.5, 1, 0.5, 3,
        Duration.ofHours(1), -0.5);
  }
}
