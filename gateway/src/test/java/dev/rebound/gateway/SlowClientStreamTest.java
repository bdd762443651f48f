package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.mockllm.MockLlmOptions;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client that stops reading a stream makes the gateway stop reading the upstream (no answer buffered whole), and
 * the time the client takes is not the backend's silence: the idle timeout does not cut the answer.
 */
class SlowClientStreamTest {
  static final int WORDS = 100_000; // ~15 MB of events: more than every socket buffer on the way

  GatewayHarness h = GatewayHarness.start("""
      server: { host: 127.0.0.1, port: 0 }
      backends:
        - { name: local, protocol: openai, url: "${MOCK_URL}", discoverWindow: off,
            timeouts: { firstByte: 5s, idle: 300ms, total: 60s }, models: [ { name: gpt-4o, contextWindow: 128000 } ] }
      agents: [ { name: a, backend: local, model: gpt-4o } ]
      routes: [ { name: all, match: {}, agents: [a] } ]
      """, MockLlmOptions.defaults());

  @AfterEach
  void stop() {
    h.close();
  }

  @Test
  void aClientThatPausesLongerThanTheIdleTimeoutStillGetsTheWholeStreamFromOneUpstreamAnswer() {
    String body = "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"a long answer\"}]}";
    String request = "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-mock-reply-words: "
        + WORDS + "\r\ncontent-length: " + body.length() + "\r\nconnection: close\r\n\r\n" + body;
    Buffer received = Buffer.buffer();
    Promise<Void> closed = Promise.promise();
    NetSocket socket = h.vertx.createNetClient(new NetClientOptions().setReceiveBufferSize(4096))
        .connect(h.port, "127.0.0.1").await();
    socket.handler(received::appendBuffer);
    socket.closeHandler(v -> closed.tryComplete());
    socket.pause();
    socket.write(request);
    // the client reads nothing for five idle timeouts, then everything
    h.vertx.setTimer(1_500, id -> socket.resume());
    closed.future().await();

    String relayed = dechunk(received);
    assertTrue(relayed.startsWith("HTTP/1.1 200"), relayed.substring(0, Math.min(300, relayed.length())));
    int contentEvents = count(relayed, "\"content\":\"");
    assertEquals(WORDS, contentEvents, "every word of the answer");
    assertTrue(relayed.endsWith("data: [DONE]\n\n"), relayed.substring(relayed.length() - 300));
    assertEquals(1, h.upstreamRequests().size(), "one upstream answer, not retried or continued");
    assertEquals(List.of(), h.events.stream().filter(e -> List.of("retry", "timeout", "continue", "fallback")
        .contains(e.type().id())).toList(), "no recovery: the backend was never silent");
  }

  /** The head, then the chunked body joined (the SSE text as the client's parser sees it). */
  static String dechunk(Buffer raw) {
    String text = raw.toString(StandardCharsets.UTF_8);
    int head = text.indexOf("\r\n\r\n");
    StringBuilder out = new StringBuilder(text.substring(0, head + 4));
    int at = head + 4;
    while (at < text.length()) {
      int eol = text.indexOf("\r\n", at);
      int size = Integer.parseInt(text.substring(at, eol).trim(), 16);
      if (size == 0) break;
      // sizes count bytes; the answer is ASCII, so bytes and chars agree
      out.append(text, eol + 2, eol + 2 + size);
      at = eol + 2 + size + 2;
    }
    return out.toString();
  }

  static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length())) n++;
    return n;
  }
}
