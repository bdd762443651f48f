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

  private static JsonNode envelope(byte[] record) throws Exception {
    assertTrue(record[0] == 0, "small and complete: neither compressed nor partial");
    return new ObjectMapper().readTree(new String(Arrays.copyOfRange(record, 1, record.length), StandardCharsets.UTF_8));
  }
}
