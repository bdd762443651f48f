package dev.rebound.gateway.context;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.wire.RequestLayout;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Counts a request's prompt the way providers do (OpenAI's cookbook): each message costs {@value #PER_MESSAGE} tokens
 * plus its role, text, name, tool calls and tool results; images and documents a configured flat amount; tool schemas
 * and a top-level system prompt (Anthropic's) count once; the reply is primed with {@value #REPLY_PRIMING}.
 * Per-message counts are cached by a hash of the message's content, so a long session is counted once per message.
 */
public final class TokenCounter {
  static final int PER_MESSAGE = 3;
  static final int REPLY_PRIMING = 3;
  static final int PER_TOOL_CALL = 3;
  private static final Set<String> IMAGE_BLOCKS = Set.of("image", "image_url", "input_image", "input_audio", "document", "file");

  private final Tokenizers tokenizers;
  private final int imageTokens;
  /** Counts by content hash: a message's packed as {@link #content} packs them, a system prompt's or tools' as counted. */
  private final RecentHashes<Long> cache = new RecentHashes<>(100_000);

  public TokenCounter(Tokenizers tokenizers, int imageTokens) {
    this.tokenizers = tokenizers;
    this.imageTokens = imageTokens;
  }

  public Tokenizers tokenizers() {
    return tokenizers;
  }

  public PromptCount count(RequestLayout layout, ObjectNode body, Tokenizer t) {
    return count(layout, body, t, new ContentDigests());
  }

  /** @param digests the request's content hashes, shared with the steps that hash the same messages */
  public PromptCount count(RequestLayout layout, ObjectNode body, Tokenizer t, ContentDigests digests) {
    JsonNode messages = layout.conversation(body);
    int[] counts = new int[messages.size()];
    for (int i = 0; i < counts.length; i++) counts[i] = message(messages.get(i), t, digests.of(messages.get(i)));
    long fixed = REPLY_PRIMING;
    // a coding agent resends the same long system prompt and tool schemas every turn: cached like messages
    JsonNode system = layout.topLevelSystem(body);
    if (system != null) fixed += PER_MESSAGE + scaled(cached(system, t, 1, digests, () -> content(system, t)), t);
    JsonNode tools = body.get("tools");
    if (tools != null && tools.isArray() && !tools.isEmpty()) {
      fixed += t.scale(cached(tools, t, 2, digests, () -> t.count(tools.toString())));
    }
    JsonNode functions = body.get("functions");
    if (functions != null && functions.isArray() && !functions.isEmpty()) {
      fixed += t.scale(cached(functions, t, 3, digests, () -> t.count(functions.toString())));
    }
    return new PromptCount(t, (int) Math.min(Integer.MAX_VALUE, fixed), counts, layout.maxTokens(body));
  }

  private long cached(JsonNode n, Tokenizer t, int part, ContentDigests digests, java.util.function.LongSupplier count) {
    long key = (digests.of(n) * 31 + t.id()) * 7 + part;
    Long v = cache.get(key);
    if (v == null) {
      v = count.getAsLong();
      cache.put(key, v);
    }
    return v;
  }

  /** One message's tokens (per-message overhead included), from the cache when it was seen before. */
  public int message(JsonNode m, Tokenizer t) {
    return message(m, t, ContentHash.of(m));
  }

  private int message(JsonNode m, Tokenizer t, long contentHash) {
    long key = contentHash * 31 + t.id();
    Long packed = cache.get(key);
    if (packed == null) {
      long counted = content(m.get("content"), t);
      counted += t.count(m.path("role").asText());
      JsonNode name = m.get("name");
      if (name != null && name.isTextual()) counted += 1 + t.count(name.textValue());
      JsonNode calls = m.get("tool_calls");
      if (calls != null && calls.isArray()) {
        for (JsonNode call : calls) {
          JsonNode f = call.path("function");
          counted += PER_TOOL_CALL + t.count(f.path("name").asText()) + t.count(f.path("arguments").asText());
        }
      }
      JsonNode callId = m.get("tool_call_id");
      if (callId != null && callId.isTextual()) counted += t.count(callId.textValue());
      JsonNode reasoning = m.get("reasoning_content");
      if (reasoning != null && reasoning.isTextual()) counted += t.count(reasoning.textValue());
      counted += item(m, t);
      packed = counted;
      cache.put(key, packed);
    }
    return PER_MESSAGE + scaled(packed, t);
  }

  /**
   * What a Responses input item other than a message says: a function or custom tool call (name, arguments or input,
   * call id), a tool's output, a reasoning item's summary. Encrypted reasoning is the provider's own and not
   * readable here; the summary stands for it.
   */
  private long item(JsonNode m, Tokenizer t) {
    JsonNode type = m.get("type");
    if (type == null || !type.isTextual()) return 0;
    switch (type.textValue()) {
      case "function_call" -> {
        return PER_TOOL_CALL + t.count(m.path("name").asText()) + t.count(m.path("arguments").asText())
            + t.count(m.path("call_id").asText());
      }
      case "custom_tool_call" -> {
        return PER_TOOL_CALL + t.count(m.path("name").asText()) + t.count(m.path("input").asText())
            + t.count(m.path("call_id").asText());
      }
      case "function_call_output", "custom_tool_call_output" -> {
        JsonNode output = m.get("output");
        long counted = t.count(m.path("call_id").asText());
        return counted + (output != null && output.isTextual() ? t.count(output.textValue())
            : output == null ? 0 : content(output, t) & 0xffffffffL);
      }
      case "reasoning" -> {
        long counted = 0;
        for (JsonNode part : m.path("summary")) counted += t.count(part.path("text").asText());
        return counted; // its reasoning_text content is counted as the item's content
      }
      default -> {
        return 0;
      }
    }
  }

  /** Text tokens in the low 32 bits (encoding tokens), image blocks in the high bits (flat, already model tokens). */
  private long content(JsonNode content, Tokenizer t) {
    if (content == null || content.isNull()) return 0;
    if (content.isTextual()) return t.count(content.textValue());
    long text = 0;
    long images = 0;
    if (content.isArray()) {
      for (JsonNode block : content) {
        if (block.isTextual()) {
          text += t.count(block.textValue());
          continue;
        }
        String type = block.path("type").asText();
        if (IMAGE_BLOCKS.contains(type)) {
          images++;
          continue;
        }
        switch (type) {
          case "text", "input_text", "output_text" -> text += t.count(block.path("text").asText());
          case "thinking" -> text += t.count(block.path("thinking").asText());
          case "redacted_thinking" -> text += t.count(block.path("data").asText());
          case "tool_use" -> text += PER_TOOL_CALL + t.count(block.path("name").asText()) + t.count(block.path("input").toString());
          case "tool_result" -> {
            long inner = content(block.get("content"), t);
            text += PER_TOOL_CALL + (inner & 0xffffffffL);
            images += inner >>> 32;
          }
          default -> text += t.count(withoutBinary(block));
        }
      }
    } else {
      text += t.count(content.toString());
    }
    return (images << 32) | Math.min(text, 0xffffffffL);
  }

  private int scaled(long packed, Tokenizer t) {
    long images = packed >>> 32;
    return (int) Math.min(Integer.MAX_VALUE, t.scale(packed & 0xffffffffL) + images * imageTokens);
  }

  /** A block's JSON without base64 payloads, which the model never reads as text. */
  private static String withoutBinary(JsonNode block) {
    if (!block.isObject()) return block.toString();
    ObjectNode copy = null;
    for (Iterator<Map.Entry<String, JsonNode>> it = block.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isTextual() && e.getValue().textValue().length() > 1024 && e.getKey().equals("data")) {
        if (copy == null) copy = ((ObjectNode) block).deepCopy();
        copy.remove(e.getKey());
      }
    }
    return (copy != null ? copy : block).toString();
  }

  /** Counts cached (bounded: two generations of 100,000). */
  public int cachedMessages() {
    return cache.size();
  }
}
