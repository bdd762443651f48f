package dev.rebound.gateway.reply;

import dev.rebound.gateway.stream.TokenUsage;
import java.util.function.Supplier;

/** What the request's record learns from the reply as it is written. */
public interface ReplyObserver {
  /** The first event with content reached the client. */
  void firstToken();

  /** Where the answer's usage is read from when the request ends. */
  void usage(Supplier<TokenUsage> source);
}
