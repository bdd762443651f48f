package dev.rebound.store;

/**
 * Changes to a session's meta made by an {@link Append}. Null strings leave the field unchanged; deltas are added.
 * {@code usageDelta} is added to the session's summed usage (never null).
 */
public record MetaChange(String protocol, String agent, String status, int turnsDelta, long tokensDelta,
    TurnUsage usageDelta) {

  public MetaChange {
    usageDelta = TurnUsage.orNone(usageDelta);
  }

  public MetaChange(String protocol, String agent, String status, int turnsDelta, long tokensDelta) {
    this(protocol, agent, status, turnsDelta, tokensDelta, TurnUsage.NONE);
  }

  /** A change that adds one answer's usage: its tokens are the usage's total. */
  public static MetaChange answered(String protocol, String agent, String status, int turnsDelta, TurnUsage usage) {
    TurnUsage u = TurnUsage.orNone(usage);
    return new MetaChange(protocol, agent, status, turnsDelta, u.total(), u);
  }

  public static MetaChange none() {
    return new MetaChange(null, null, null, 0, 0);
  }
}
