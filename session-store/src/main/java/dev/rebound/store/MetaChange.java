package dev.rebound.store;

/**
 * Changes to a session's meta made by an {@link Append}. Null strings leave the field unchanged; deltas are added.
 */
public record MetaChange(String protocol, String agent, String status, int turnsDelta, long tokensDelta) {

  public static MetaChange none() {
    return new MetaChange(null, null, null, 0, 0);
  }
}
