package dev.rebound.mockllm;

import java.util.concurrent.ThreadLocalRandom;

/** Provider-looking random ids ("chatcmpl-...", "msg_...", "toolu_..."). */
final class Ids {

  private static final char[] ALPHABET =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final int LENGTH = 24;

  private Ids() {
  }

  static String next(String prefix) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    StringBuilder id = new StringBuilder(prefix.length() + LENGTH).append(prefix);
    for (int i = 0; i < LENGTH; i++) {
      id.append(ALPHABET[random.nextInt(ALPHABET.length)]);
    }
    return id.toString();
  }
}
