package dev.rebound.gateway.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.wire.formats.WireFormats;
import org.junit.jupiter.api.Test;

class ClientErrorTest {

  @Test
  void anOverloadIsA529ForAnthropicClientsAndA503ForOpenAiOnes() {
    Failure overloaded = new Failure(FailureKind.OVERLOADED, null, null, null, null, null, "Overloaded");
    assertEquals(529, ClientError.forFailure(overloaded, WireFormats.ANTHROPIC_MESSAGES, "Gave up").status());
    assertEquals(503, ClientError.forFailure(overloaded, WireFormats.OPENAI_CHAT, "Gave up").status());
  }

  @Test
  void anOverflowSaysPromptIsTooLongToAnthropicClientsAndKeepsTheUpstreamsWordsForOpenAiOnes() {
    Failure overflow = new Failure(FailureKind.CONTEXT_OVERFLOW, null, 1000, 1200, 1200, null,
        "This model's maximum context length is 1000 tokens.");
    ClientError anthropic = ClientError.forFailure(overflow, WireFormats.ANTHROPIC_MESSAGES, "Gave up");
    assertTrue(anthropic.message().startsWith("prompt is too long: 1200 tokens > 1000 maximum."), anthropic.message());
    ClientError openAi = ClientError.forFailure(overflow, WireFormats.OPENAI_CHAT, "Gave up");
    assertTrue(openAi.message().startsWith("This model's maximum context length is 1000 tokens."), openAi.message());
    assertEquals("context_length_exceeded", openAi.code());
  }
}
