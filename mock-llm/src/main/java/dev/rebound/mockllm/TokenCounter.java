package dev.rebound.mockllm;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;

/**
 * Real token counts with the tokenizer of the model family, counted like OpenAI's cookbook: each
 * message costs {@link #PER_MESSAGE} tokens plus its text, and the reply priming {@link #REPLY_PRIMING}.
 * Thread-safe; one shared instance because loading the BPE ranks takes a noticeable moment.
 */
final class TokenCounter {

  static final int PER_MESSAGE = 3;
  static final int REPLY_PRIMING = 3;
  /** What an image part costs; its base64 payload is not text the model reads. */
  static final int IMAGE_TOKENS = 85;

  private static final Set<String> IMAGE_TYPES = Set.of("image", "image_url", "input_image", "input_audio", "document");
  private static volatile TokenCounter shared;

  private final Encoding o200k;
  private final Encoding cl100k;

  private TokenCounter() {
    EncodingRegistry registry = Encodings.newLazyEncodingRegistry();
    o200k = registry.getEncoding(EncodingType.O200K_BASE);
    cl100k = registry.getEncoding(EncodingType.CL100K_BASE);
    // Force the lazy rank tables to load now, not on the first request.
    o200k.countTokensOrdinary("warm up");
    cl100k.countTokensOrdinary("warm up");
  }

  static TokenCounter shared() {
    TokenCounter counter = shared;
    if (counter == null) {
      synchronized (TokenCounter.class) {
        counter = shared;
        if (counter == null) {
          counter = new TokenCounter();
          shared = counter;
        }
      }
    }
    return counter;
  }

  /** o200k_base for the GPT-4o / 4.1 / 5 and o-series families, cl100k_base for everything else. */
  Encoding encodingFor(String model) {
    if (model.startsWith("gpt-4o") || model.startsWith("gpt-4.1") || model.startsWith("gpt-5")
        || model.startsWith("chatgpt-4o") || isOSeries(model)) {
      return o200k;
    }
    return cl100k;
  }

  private static boolean isOSeries(String model) {
    return model.length() >= 2 && model.charAt(0) == 'o' && Character.isDigit(model.charAt(1));
  }

  int text(Encoding encoding, String text) {
    if (text.isEmpty()) return 0;
    // jtokkit reads its input as UTF-8 and fails on a lone surrogate (JSON lets a client escape one): counted as the '?' a
    // UTF-8 encoder writes for it
    if (text.chars().anyMatch(c -> Character.isSurrogate((char) c))) {
      text = new String(text.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.UTF_8);
    }
    // jtokkit needs tens of bytes per byte of a long run without spaces: long texts are counted 4 KB at a time, cut
    // where a run of whitespace begins when there is one (where one of its own pieces starts)
    int sum = 0;
    for (int start = 0, end; start < text.length(); start = end) {
      end = Math.min(text.length(), start + 4096);
      for (int cut = end; end < text.length() && cut > start + 2048; cut--) {
        if (Character.isWhitespace(text.charAt(cut)) && !Character.isWhitespace(text.charAt(cut - 1))) {
          end = cut;
          break;
        }
      }
      if (end < text.length() && Character.isLowSurrogate(text.charAt(end))) end--;
      sum += encoding.countTokensOrdinary(text.substring(start, end));
    }
    return sum;
  }

  /** The cookbook's per-message overhead plus every string the message carries. */
  int message(Encoding encoding, Object message) {
    return PER_MESSAGE + strings(encoding, message);
  }

  /** Tool definitions are counted as their JSON text, since schema keys reach the model too. */
  int json(Encoding encoding, Object value) {
    if (value instanceof JsonObject o) {
      return text(encoding, o.encode());
    }
    if (value instanceof JsonArray a) {
      return text(encoding, a.encode());
    }
    return value instanceof String s ? text(encoding, s) : 0;
  }

  /** Sums the tokens of all string leaves; images count a flat {@link #IMAGE_TOKENS}. */
  int strings(Encoding encoding, Object value) {
    if (value instanceof String s) {
      return text(encoding, s);
    }
    if (value instanceof JsonObject o) {
      if (o.getValue("type") instanceof String type && IMAGE_TYPES.contains(type)) {
        return IMAGE_TOKENS;
      }
      int sum = 0;
      for (Map.Entry<String, Object> e : o) {
        sum += strings(encoding, e.getValue());
      }
      return sum;
    }
    if (value instanceof JsonArray a) {
      int sum = 0;
      for (Object item : a) {
        sum += strings(encoding, item);
      }
      return sum;
    }
    return 0;
  }
}
