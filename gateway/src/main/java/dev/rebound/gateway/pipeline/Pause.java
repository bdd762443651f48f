package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.reply.Reply;
import java.time.Duration;

/** A wait of the attempt loop on its timers: a streaming client hears keep-alives, and a client that leaves ends it. */
final class Pause {
  private Pause() {}

  /** Runs {@code then} after {@code wait}, or {@code gone} (at once) if the client leaves before. */
  static void of(Reply reply, Timers timers, Duration wait, Duration keepAliveInterval, Runnable then, Runnable gone) {
    // a keep-alive commits the head: the caller has set what it says
    reply.keepAliveWhileWaiting(keepAliveInterval);
    long timer = timers.schedule(wait, () -> {
      reply.whenGone(null);
      reply.stopKeepAlive();
      if (reply.gone()) gone.run();
      else then.run();
    });
    reply.whenGone(() -> {
      timers.cancel(timer);
      gone.run();
    });
  }
}
