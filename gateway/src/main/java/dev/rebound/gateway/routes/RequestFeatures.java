package dev.rebound.gateway.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.wire.RequestLayout;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.routing.RoutingRequest;
import io.vertx.core.MultiMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Extracts what routing looks at from a parsed request body, once, in any wire format (its layout says where). */
public final class RequestFeatures {
  /** Rough characters per token for the routing estimate (the context step counts exactly). */
  private static final int CHARS_PER_TOKEN = 4;

  private RequestFeatures() {}

  public static RoutingRequest of(WireFormat format, ObjectNode body, MultiMap headers, String path, String tenant,
      String preferredAgent, double dice) {
    return of(format, body, headers, path, tenant, preferredAgent, dice, -1);
  }

  /** @param countedTokens the prompt's exact count when the context step made one (-1: estimate from the text) */
  public static RoutingRequest of(WireFormat format, ObjectNode body, MultiMap headers, String path, String tenant,
      String preferredAgent, double dice, int countedTokens) {
    RequestLayout layout = format.layout();
    StringBuilder system = new StringBuilder();
    long chars = 0;
    boolean images = false;
    boolean estimate = countedTokens < 0;
    chars += appendText(layout.topLevelSystem(body), system);
    JsonNode messages = layout.conversation(body);
    // the admin API's explain takes any JSON object: what is not a list of messages has none
    if (!messages.isArray()) messages = com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    // only the system prompt and the last user message are read as text; the rest is only sized, when not counted
    for (JsonNode m : messages) {
      String role = m.path("role").asText();
      JsonNode content = m.get("content");
      images |= hasImage(content);
      if (layout.isSystemMessage(m)) {
        chars += appendText(content, system);
      } else if (estimate) {
        chars += size(content);
        JsonNode calls = m.get("tool_calls");
        if (calls != null) chars += calls.toString().length();
      }
    }
    String lastUser = "";
    for (int i = messages.size() - 1; i >= 0 && lastUser.isEmpty(); i--) {
      JsonNode m = messages.get(i);
      if (!m.path("role").asText().equals("user")) continue;
      StringBuilder text = new StringBuilder();
      appendText(m.get("content"), text);
      lastUser = text.toString();
    }
    JsonNode tools = body.get("tools");
    boolean hasTools = tools != null && tools.isArray() && !tools.isEmpty();
    if (hasTools && estimate) chars += tools.toString().length();
    int tokens = !estimate ? countedTokens : (int) Math.min(Integer.MAX_VALUE, chars / CHARS_PER_TOKEN);
    return new RoutingRequest(format.protocol(), body.path("model").asText(), path, tenant, new Headers(headers), tokens, hasTools, images,
        system.toString(), lastUser, preferredAgent, dice);
  }

  /**
   * The HTTP request's headers as routing reads them, by lower-cased name, the first value of a repeated one. Vert.x's
   * header maps look names up case-insensitively already, so a header a rule asks for is read where it is; only a
   * caller that walks every header (the admin API's explain) gets them copied.
   */
  private static final class Headers extends RoutingRequest.HeaderView {
    private final MultiMap headers;
    private Map<String, String> copy;

    Headers(MultiMap headers) {
      this.headers = headers;
    }

    @Override
    public String get(Object name) {
      return name instanceof String s ? headers.get(s) : null;
    }

    @Override
    public boolean containsKey(Object name) {
      return name instanceof String s && headers.contains(s);
    }

    @Override
    public java.util.Set<Map.Entry<String, String>> entrySet() {
      if (copy == null) {
        Map<String, String> h = new HashMap<>();
        headers.forEach(e -> h.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
        copy = java.util.Collections.unmodifiableMap(h);
      }
      return copy.entrySet();
    }
  }

  /** Characters of a content value, text or not, without copying it. */
  private static long size(JsonNode content) {
    if (content == null || content.isNull()) return 0;
    if (content.isTextual()) return content.textValue().length();
    long seen = 0;
    if (content.isArray()) {
      for (JsonNode block : content) {
        JsonNode text = block.get("text");
        JsonNode inner = text != null ? text : block.get("content");
        seen += inner == null ? 0 : inner.isTextual() ? inner.textValue().length() : inner.toString().length();
      }
    }
    return seen;
  }

  /** Appends the text of a string or of content blocks; returns the characters it saw (text or not). */
  private static long appendText(JsonNode content, StringBuilder out) {
    if (content == null || content.isNull()) return 0;
    if (content.isTextual()) {
      out.append(content.textValue());
      return content.textValue().length();
    }
    long seen = 0;
    if (content.isArray()) {
      for (JsonNode block : content) {
        JsonNode text = block.get("text");
        if (text != null && text.isTextual()) {
          if (out.length() > 0) out.append('\n');
          out.append(text.textValue());
          seen += text.textValue().length();
        } else {
          // tool results, images as data: they count toward size, not toward what the user asked
          JsonNode inner = block.get("content");
          seen += inner == null ? 0 : inner.isTextual() ? inner.textValue().length() : inner.toString().length();
        }
      }
    }
    return seen;
  }

  private static boolean hasImage(JsonNode content) {
    if (content == null || !content.isArray()) return false;
    for (JsonNode block : content) {
      String type = block.path("type").asText();
      if (type.equals("image") || type.equals("image_url") || type.equals("input_image")) return true;
    }
    return false;
  }
}
