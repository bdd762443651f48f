package dev.rebound.gateway.wire.formats;

import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.gateway.wire.anthropic.AnthropicMessages;
import dev.rebound.gateway.wire.openai.OpenAiChat;
import dev.rebound.gateway.wire.responses.OpenAiResponses;
import dev.rebound.routing.Protocol;
import java.util.Locale;

/** The one place that maps a protocol to its wire format. */
public final class WireFormats {
  public static final WireFormat OPENAI_CHAT = new OpenAiChat();
  public static final WireFormat ANTHROPIC_MESSAGES = new AnthropicMessages();
  public static final WireFormat OPENAI_RESPONSES = new OpenAiResponses();

  private WireFormats() {}

  public static WireFormat of(Protocol protocol) {
    return switch (protocol) {
      case OPENAI -> OPENAI_CHAT;
      case ANTHROPIC -> ANTHROPIC_MESSAGES;
      case OPENAI_RESPONSES -> OPENAI_RESPONSES;
    };
  }

  /**
   * The format of a client whose request did not reach a front door (an unknown path, broken framing): Anthropic
   * clients always send anthropic-version, and Messages paths are Anthropic's; everything else gets OpenAI's shape.
   */
  public static WireFormat guess(String path, boolean anthropicVersion) {
    if (anthropicVersion || (path != null && path.toLowerCase(Locale.ROOT).contains("/messages"))) return ANTHROPIC_MESSAGES;
    if (path != null && path.toLowerCase(Locale.ROOT).contains("/responses")) return OPENAI_RESPONSES;
    return OPENAI_CHAT;
  }
}
