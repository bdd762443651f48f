package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.RawUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A fast server sends several events in one read: the client gets them in one write (one HTTP chunk), not one write
 * per event, and still gets every event, in order.
 */
class BurstRelayTest {
  final Vertx upstreamVertx = Vertx.vertx();
  GatewayHarness h;

  @AfterEach
  void stop() {
    if (h != null) h.close();
    upstreamVertx.close().await();
  }

  @Test
  void eventsThatArriveInOneUpstreamReadReachTheClientInOneWrite() throws Exception {
    StringBuilder sse = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      sse.append("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,"
          + "\"delta\":{\"content\":\"w").append(i).append(" \"},\"finish_reason\":null}]}\n\n");
    }
    sse.append("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,"
        + "\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
    byte[] body = sse.toString().getBytes(StandardCharsets.UTF_8);
    // the whole answer, head and all events, in one write: it arrives at the gateway in one read
    Buffer answer = Buffer.buffer("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: " + body.length
        + "\r\n\r\n").appendBytes(body);
    int port = RawUpstream.listen(upstreamVertx, (request, socket) -> socket.write(answer));
    h = GatewayHarness.start("""
        server: { host: 127.0.0.1, port: 0 }
        backends:
          - { name: fast, protocol: openai, url: "http://127.0.0.1:%d", discoverWindow: off,
              models: [ { name: gpt-4o, contextWindow: 128000 } ] }
        agents: [ { name: assistant, backend: fast, model: gpt-4o } ]
        routes: [ { name: all, match: { model: "*" }, agents: [assistant] } ]
        """.formatted(port));

    String request = "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"burst\"}]}";
    List<String> chunks = chunksOf(h.port, "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json"
        + "\r\ncontent-length: " + request.length() + "\r\nconnection: close\r\n\r\n" + request);

    assertEquals(1, chunks.size(), "one HTTP chunk for the one upstream read: " + chunks);
    String relayed = chunks.get(0);
    for (int i = 0; i < 5; i++) assertTrue(relayed.indexOf("w" + i + " ") < relayed.indexOf("w" + (i + 1) + " ")
        || i == 4, "in order: " + relayed);
    assertTrue(relayed.endsWith("data: [DONE]\n\n"), relayed);
  }

  /** The body chunks of a chunked HTTP/1.1 response, read raw from a socket (the closing 0-chunk left out). */
  static List<String> chunksOf(int port, String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String text = all.toString(StandardCharsets.UTF_8);
      assertTrue(text.startsWith("HTTP/1.1 200"), text);
      assertTrue(text.toLowerCase().contains("transfer-encoding: chunked"), text);
      String head = text.substring(0, text.indexOf("\r\n\r\n")).toLowerCase();
      // the head goes out once, however many events the first write holds
      assertEquals(1, head.split("\ncontent-type:", -1).length - 1, head);
      assertEquals(1, head.split("\nx-rebound-agent:", -1).length - 1, head);
      String rest = text.substring(text.indexOf("\r\n\r\n") + 4);
      List<String> chunks = new ArrayList<>();
      while (true) {
        int eol = rest.indexOf("\r\n");
        int size = Integer.parseInt(rest.substring(0, eol).trim(), 16);
        if (size == 0) return chunks;
        byte[] bytes = rest.substring(eol + 2).getBytes(StandardCharsets.UTF_8);
        String chunk = new String(bytes, 0, size, StandardCharsets.UTF_8);
        chunks.add(chunk);
        rest = rest.substring(eol + 2 + chunk.length() + 2);
      }
    }
  }
}
