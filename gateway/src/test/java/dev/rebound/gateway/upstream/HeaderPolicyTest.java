package dev.rebound.gateway.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.routing.Protocol;
import io.vertx.core.MultiMap;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeaderPolicyTest {
  private static BackendConfig backend(Protocol protocol, boolean passClientKey) {
    return new BackendConfig("b", protocol, URI.create("http://127.0.0.1:1"), "", passClientKey, Map.of(), null, 8,
        List.of(), null, null);
  }

  private static MultiMap client(String... pairs) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < pairs.length; i += 2) m.add(pairs[i], pairs[i + 1]);
    return m;
  }

  @Test
  void aResponsesClientOnAChatBackendKeepsItsOpenAiHeadersAndItsKeyWhereOpenAiReadsIt() {
    MultiMap out = HeaderPolicy.upstreamHeaders(
        client("OpenAI-Organization", "org-1", "OpenAI-Beta", "responses=v1", "Authorization", "Bearer sk-client"),
        Protocol.OPENAI_RESPONSES, backend(Protocol.OPENAI, true), null);
    assertEquals("org-1", out.get("openai-organization"));
    assertEquals("responses=v1", out.get("openai-beta"));
    assertEquals("Bearer sk-client", out.get("authorization"));
  }

  @Test
  void aMessagesClientOnAChatBackendLeavesItsAnthropicHeadersBehindAndItsKeyMovesToTheBearerHeader() {
    MultiMap out = HeaderPolicy.upstreamHeaders(
        client("anthropic-version", "2023-06-01", "anthropic-beta", "x", "x-api-key", "sk-ant"),
        Protocol.ANTHROPIC, backend(Protocol.OPENAI, true), null);
    assertNull(out.get("anthropic-version"));
    assertNull(out.get("anthropic-beta"));
    assertNull(out.get("x-api-key"));
    assertEquals("Bearer sk-ant", out.get("authorization"));
  }

  @Test
  void aChatClientOnAnAnthropicBackendLeavesItsOpenAiHeadersBehind() {
    MultiMap out = HeaderPolicy.upstreamHeaders(client("OpenAI-Organization", "org-1"), Protocol.OPENAI,
        backend(Protocol.ANTHROPIC, false), null);
    assertFalse(out.contains("openai-organization"));
    assertEquals("2023-06-01", out.get("anthropic-version"));
  }
}
