package dev.rebound.gateway.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class JsonSpliceTest {
  @Test
  void replacesOnlyTheTopLevelFieldAndKeepsEveryOtherByte() {
    String body = "{\"messages\":[{\"model\":\"inner\"}], \"model\" : \"gpt-4o\",\"temperature\":0.70,\"x\":1e5}";
    Buffer out = JsonSplice.replaceTopLevelString(Buffer.buffer(body), "model", "qwen\"2.5");
    assertEquals("{\"messages\":[{\"model\":\"inner\"}], \"model\" : \"qwen\\\"2.5\",\"temperature\":0.70,\"x\":1e5}", out.toString());
  }

  @Test
  void handlesMultiByteTextBeforeTheField() {
    String body = "{\"system\":\"héllo 👋\",\"model\":\"a\"}";
    assertEquals("{\"system\":\"héllo 👋\",\"model\":\"bb\"}", JsonSplice.replaceTopLevelString(Buffer.buffer(body), "model", "bb").toString());
  }

  @Test
  void givesUpWhenTheFieldIsNotATopLevelString() {
    assertNull(JsonSplice.replaceTopLevelString(Buffer.buffer("{\"model\":1}"), "model", "x"));
    assertNull(JsonSplice.replaceTopLevelString(Buffer.buffer("{\"a\":{\"model\":\"x\"}}"), "model", "x"));
    assertNull(JsonSplice.replaceTopLevelString(Buffer.buffer("[]"), "model", "x"));
  }
}
