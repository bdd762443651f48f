package dev.rebound.gateway.config;

import java.time.Duration;

/** OpenAI Responses API settings ({@code responses:}). */
public record ResponsesConfig(Background background) {
  public static final ResponsesConfig DEFAULTS = new ResponsesConfig(Background.DEFAULTS);

  /**
   * Background responses ({@code background: true}), run from the session store's job queue.
   *
   * @param deadline     how long a job may take from its acceptance: its runs wait out rate limits, spent quotas and
   *                     open breakers for up to this long (their wait budget), then it fails
   * @param lease        a running job is this gateway's for this long, renewed every third of it; a gateway that
   *                     stops or dies leaves its jobs to others once its leases run out
   * @param pollInterval how often a gateway looks for jobs to run (accepted elsewhere, replays due, leases run out)
   * @param maxRunning   jobs one gateway runs at once; more wait in the queue
   * @param queue        the queue's name on Redis: gateways with the same name on one Redis share jobs
   * @param keepFinished how long a finished job (and its events) stays readable
   */
  public record Background(Duration deadline, Duration lease, Duration pollInterval, int maxRunning, String queue,
      Duration keepFinished) {
    public static final Duration DEFAULT_DEADLINE = Duration.ofHours(24);
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
    public static final int DEFAULT_MAX_RUNNING = 16;
    public static final String DEFAULT_QUEUE = "rjobs";
    public static final Duration DEFAULT_KEEP_FINISHED = Duration.ofDays(7);
    public static final Background DEFAULTS = new Background(DEFAULT_DEADLINE, DEFAULT_LEASE, DEFAULT_POLL_INTERVAL,
        DEFAULT_MAX_RUNNING, DEFAULT_QUEUE, DEFAULT_KEEP_FINISHED);
  }
}
