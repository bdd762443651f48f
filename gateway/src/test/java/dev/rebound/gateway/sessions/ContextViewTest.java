package dev.rebound.gateway.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rebound.store.StoredMessage;
import io.vertx.core.json.JsonArray;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContextViewTest {
  static StoredMessage stored(int index, String text, boolean partial) {
    return new StoredMessage(index, "user", "{\"role\":\"user\",\"content\":\"" + text + "\"}", partial, Instant.EPOCH);
  }

  @Test
  void aCutViewNamesStoredMessagesByIndexAndCarriesOnlyTheMessagesTheGatewayWrote() throws Exception {
    var sent = new ObjectMapper().readTree("[{\"role\":\"user\",\"content\":\"m0\"},{\"role\":\"user\",\"content\":\"SUMMARY\"},"
        + "{\"role\":\"user\",\"content\":\"m3\"}]");
    String view = ContextView.sentFrom(new int[] {0, -1, 3}, sent);
    assertEquals("{\"sentFromStored\":[0,{\"role\":\"user\",\"content\":\"SUMMARY\"},3]}", view);
    // a partial answer left in the store is not one of the client's messages: indexes skip it
    List<StoredMessage> history = List.of(stored(0, "m0", false), stored(1, "m1", false), stored(2, "cut answer", true),
        stored(3, "m2", false), stored(4, "m3", false));
    assertEquals(new JsonArray(sent.toString()), ContextView.expand(view, history));
  }

  @Test
  void viewsWrittenAsTheMessagesThemselvesStillReadAsThey() {
    String old = "[{\"role\":\"user\",\"content\":\"as sent\"}]";
    assertEquals(false, ContextView.readsHistory(old));
    assertEquals(new JsonArray(old), ContextView.expand(old, List.of()));
  }

  @Test
  void sentAsStoredIsTheTurnsStoredMessages() {
    List<StoredMessage> history = List.of(stored(0, "a", false), stored(1, "b", false));
    assertEquals(2, ContextView.expand(ContextView.SENT_AS_STORED, history).size());
  }
}
