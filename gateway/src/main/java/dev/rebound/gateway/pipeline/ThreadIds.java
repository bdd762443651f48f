package dev.rebound.gateway.pipeline;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The ids of a session's threads. The main thread is the session itself; every other conversation under the same id
 * (titles, summaries, sub-agents) is stored as {@code <id>:t<10 hex digits>}, the digits a hash of what names the
 * conversation (its system prompt and first question), so a later request of the same conversation finds its thread
 * without any index.
 */
public final class ThreadIds {
  static final String SEPARATOR = ":t";
  private static final Pattern THREAD = Pattern.compile(".*:t[0-9a-f]{10}");
  private static final int DIGITS = 10;

  private ThreadIds() {}

  /** The thread of session {@code sessionId} that the conversation named by {@code key} is stored as. */
  static String of(String sessionId, String key) {
    String suffix = SEPARATOR + digest(key);
    String base = sessionId.length() + suffix.length() > 128 ? sessionId.substring(0, 128 - suffix.length()) : sessionId;
    return base + suffix;
  }

  public static boolean isThread(String id) {
    return THREAD.matcher(id).matches();
  }

  /** The session a thread belongs to (the id itself for a main thread). */
  public static String sessionOf(String id) {
    return isThread(id) ? id.substring(0, id.length() - SEPARATOR.length() - DIGITS) : id;
  }

  private static String digest(String key) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h).substring(0, DIGITS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
