package dev.rebound.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MessageCodecTest {
  private static final String JSON = "{\"content\":\"be brief\", \"role\":\"system\"}";

  @Test
  void aRedisRecordCarriesTheHashAnEarlierGatewayReadsAndAnEmbeddedOneLeavesItToBeComputed() throws Exception {
    StoredMessage m = new StoredMessage(-1, "system", JSON, false, Instant.ofEpochMilli(7), TurnUsage.NONE);
    JsonNode shared = envelope(MessageCodec.encodeMessage(m, true));
    assertEquals(MessageHash.of(JSON), shared.get("hash").asText(), "what a gateway of the previous version compares");
    assertFalse(envelope(MessageCodec.encodeMessage(m, false)).has("hash"));

    for (boolean withHash : new boolean[] {true, false}) {
      StoredMessage read = MessageCodec.decodeMessage(3, MessageCodec.encodeMessage(m, withHash));
      assertEquals(JSON, read.json());
      assertEquals(3, read.index());
      assertEquals(MessageHash.of("{\"role\":\"system\",\"content\":\"be brief\"}"), read.hash(), "canonical, when asked");
    }
  }

  @Test
  void recordsKeepTheEnvelopeEarlierVersionsWroteAndRead() {
    StoredMessage answer = new StoredMessage(-1, "assistant",
        "{\"role\":\"assistant\",\"content\":\"h\u00e9 \\\"q\\\"\"}", true, Instant.ofEpochMilli(42),
        new TurnUsage(18, 7, 0, 3));
    byte[] record = MessageCodec.encodeMessage(answer, false);
    assertEquals(MessageCodec.PARTIAL, record[0], "partial, not compressed");
    assertEquals("{\"role\":\"assistant\",\"at\":42,\"json\":\"{\\\"role\\\":\\\"assistant\\\",\\\"content\\\":"
        + "\\\"h\u00e9 \\\\\\\"q\\\\\\\"\\\"}\",\"usage\":{\"in\":18,\"out\":7,\"cacheWrite\":3}}",
        new String(record, 1, record.length - 1, StandardCharsets.UTF_8));
    StoredMessage read = MessageCodec.decodeMessage(0, record);
    assertEquals(answer.json(), read.json());
    assertTrue(read.partial());
    assertEquals(answer.usage(), read.usage());
    assertEquals(Instant.ofEpochMilli(42), read.at());

    byte[] body = MessageCodec.encodeCheckpointBody(new CheckpointDraft(CheckpointKind.AUTO, null,
        "{\"sentAsStored\":true}", 0, "turn 1 complete"), Instant.ofEpochMilli(5));
    assertEquals("{\"kind\":\"AUTO\",\"label\":null,\"contextView\":\"{\\\"sentAsStored\\\":true}\","
        + "\"tokens\":0,\"at\":5,\"reason\":\"turn 1 complete\"}",
        new String(body, 1, body.length - 1, StandardCharsets.UTF_8));
    Checkpoint cp = MessageCodec.decodeCheckpoint(MessageCodec.frameCheckpoint(2, 4, body));
    assertEquals(CheckpointKind.AUTO, cp.kind());
    assertEquals(4, cp.messageCount());
    assertEquals("turn 1 complete", cp.reason());
  }

  @Test
  void aLargeMessageIsStoredCompressedAndReadBackWhole() {
    String big = "{\"role\":\"tool\",\"content\":\"" + "0123456789".repeat(1_000) + "\"}";
    byte[] record = MessageCodec.encodeMessage(
        new StoredMessage(-1, "tool", big, false, Instant.ofEpochMilli(1), TurnUsage.NONE), true);
    assertEquals(MessageCodec.GZIP, record[0]);
    assertTrue(record.length < big.length() / 4, "compressed: " + record.length + " bytes");
    StoredMessage read = MessageCodec.decodeMessage(0, record);
    assertEquals(big, read.json());
    assertFalse(read.partial());
  }

  private static JsonNode envelope(byte[] record) throws Exception {
    assertTrue(record[0] == 0, "small and complete: neither compressed nor partial");
    return new ObjectMapper().readTree(new String(Arrays.copyOfRange(record, 1, record.length), StandardCharsets.UTF_8));
  }
}
