package dev.rebound.gateway.recovery;

import dev.rebound.gateway.config.OnOverflow;
import java.time.Duration;
import java.util.Objects;

/** What the attempt loop does after a failed attempt: {@link RecoveryDecider}'s answer. */
public sealed interface Recovery {

  /**
   * Try the same agent again after {@code delay} (zero: at once).
   *
   * @param reason    why, for the wait event
   * @param continues the next attempt continues the stream the client already has part of
   * @param label     what the x-rebound-recovery header counts this under ({@code retried-after-429})
   */
  record Retry(Duration delay, String reason, boolean continues, String label) implements Recovery {
    public Retry {
      Objects.requireNonNull(delay, "delay");
    }
  }

  /**
   * Move on to the next agent of the plan (there is one: on the last agent the decider gives up instead).
   *
   * @param reason    why, for the fallback event
   * @param continues the next attempt continues the stream the client already has part of
   * @param label     what the x-rebound-recovery header counts this under ({@code fell-back-after-auth})
   */
  record NextAgent(String reason, boolean continues, String label) implements Recovery {}

  /**
   * The upstream said the request does not fit its window: the context step refits it (cuts or summarizes, as
   * {@code policy} says, sized by the error) and the same agent is tried again, or the plan moves on or the request
   * is refused as that step decides. When the step comes to nothing, ask {@link RecoveryDecider#afterFailedRefit}.
   *
   * @param refit which refit on this agent this is, from 1
   */
  record Refit(OnOverflow policy, int refit) implements Recovery {}

  /** Answer the client with the failure: no attempt left can succeed. */
  record GiveUp(String reason) implements Recovery {}

  /**
   * The client already has part of a streamed answer and it cannot be continued: the stream ends with the protocol's
   * error event. The loop reports "cannot continue the stream: {@code reason}".
   */
  record CannotContinue(String reason) implements Recovery {}
}
