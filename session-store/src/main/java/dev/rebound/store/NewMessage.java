package dev.rebound.store;

/**
 * A message to append.
 *
 * @param json    the message object as the client sent it; stored verbatim
 * @param partial true for a streaming answer saved before completion (replaced later via
 *                {@link Append#replacePartial()})
 * @param usage   the tokens the answer reported (an assistant turn); {@link TurnUsage#NONE} otherwise
 */
public record NewMessage(String role, String json, boolean partial, TurnUsage usage) {

  public NewMessage {
    if (role == null || role.isEmpty()) throw new IllegalArgumentException("message role is required");
    if (json == null || json.isEmpty()) throw new IllegalArgumentException("message json is required");
    usage = TurnUsage.orNone(usage);
  }

  public NewMessage(String role, String json, boolean partial) {
    this(role, json, partial, TurnUsage.NONE);
  }

  /** The same message carrying the usage its answer reported. */
  public NewMessage withUsage(TurnUsage reported) {
    return new NewMessage(role, json, partial, reported);
  }

  public static NewMessage of(String role, String json) {
    return new NewMessage(role, json, false);
  }

  public static NewMessage partial(String role, String json) {
    return new NewMessage(role, json, true);
  }
}
