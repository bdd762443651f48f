package dev.rebound.store;

import java.time.Instant;

/**
 * The summary of a session, returned by every write so callers learn the new {@code version} without a re-read.
 *
 * @param status      {@code active}, {@code partial} (an answer is still streaming), ... as set by the caller through
 *                    {@link MetaChange}; {@link BufferedCheckpointStore} returns {@code buffered} / {@code dropped}
 *                    on its provisional results
 * @param version     0 for a session that does not exist yet; +1 on every successful write (optimistic concurrency)
 * @param forkedFrom  {@code "id@seq"} of the checkpoint this session was forked from, or null
 * @param tokens      the tokens its answers cost ({@link TurnUsage#total()} summed)
 * @param usage       its answers' usage summed by kind (zero for sessions stored before usage was kept)
 */
public record SessionMeta(
    SessionKey key,
    String protocol,
    Instant created,
    Instant updated,
    int turns,
    long tokens,
    String status,
    String agent,
    long version,
    int messageCount,
    int checkpointCount,
    String forkedFrom,
    TurnUsage usage) {

  public static final String ACTIVE = "active";

  public SessionMeta {
    usage = TurnUsage.orNone(usage);
  }
}
