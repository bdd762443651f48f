package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.sessions.ContextView;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.store.Append;
import dev.rebound.store.CheckpointDraft;
import dev.rebound.store.CheckpointKind;
import dev.rebound.store.CheckpointStore;
import dev.rebound.store.NewMessage;
import dev.rebound.store.SessionKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A checkpoint's context through the admin API, when it names stored messages that a rewind later replaced. */
class CheckpointContextTest {
  GatewayHarness h = GatewayHarness.start();

  @AfterEach
  void stop() {
    h.close();
  }

  static NewMessage msg(String role, String text) {
    return NewMessage.of(role, new JsonObject().put("role", role).put("content", text).encode());
  }

  JsonObject checkpoint(int seq) throws Exception {
    return new JsonObject(h.get("/admin/sessions/rewound/checkpoints/" + seq).body());
  }

  @Test
  void aCutContextReadsBackAsSentUntilARewindReplacesTheMessagesItNamesThenSaysSo() throws Exception {
    CheckpointStore store = h.gateway.store();
    SessionKey key = new SessionKey("default", "rewound");
    long v = store.append(key, Append.of(0, msg("user", "m0"), msg("assistant", "m1"))
        .withCheckpoint(new CheckpointDraft(CheckpointKind.ERROR, null, ContextView.SENT_AS_STORED, 0, "turn 1"))).await().version();
    JsonObject summary = new JsonObject().put("role", "user").put("content", "SUMMARY of m1 m2");
    String cut = "{\"sentFromStored\":[0," + summary.encode() + ",3]}";
    v = store.append(key, Append.of(v, msg("user", "m2"), msg("user", "m3"))
        .withCheckpoint(new CheckpointDraft(CheckpointKind.ERROR, null, cut, 0, "truncated"))).await().version();

    assertEquals(new JsonArray().add(new JsonObject().put("role", "user").put("content", "m0")).add(summary)
        .add(new JsonObject().put("role", "user").put("content", "m3")), checkpoint(2).getJsonArray("context"));

    v = store.restore(key, 1, v).await().version();
    store.append(key, Append.of(v, msg("user", "other 2"), msg("user", "other 3"))).await();

    JsonObject replaced = checkpoint(2);
    assertNull(replaced.getValue("context"), replaced.encode());
    assertTrue(replaced.getString("contextUnavailable").contains("superseded"), replaced.encode());
    assertEquals(2, checkpoint(1).getJsonArray("context").size(), "what the rewind kept still reads back");
  }
}
