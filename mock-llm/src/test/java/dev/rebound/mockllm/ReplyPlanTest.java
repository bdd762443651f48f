package dev.rebound.mockllm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplyPlanTest {

  @Test
  void echoesTheFirstUserWordsAndPadsWithNumberedWords() {
    assertEquals(List.of("Mock", "reply", "to:", "one", "two", "word6", "word7"),
        ReplyPlan.words("  one two ", 7));
    assertEquals(List.of("Mock", "reply", "to:", "a", "b", "c", "d", "e", "word9"),
        ReplyPlan.words("a b c d e f g", 9));
    assertEquals(List.of("Mock", "reply"), ReplyPlan.words("anything", 2));
  }

  @Test
  void buildsToolArgumentsFromTheRequiredPropertiesOfTheSchema() {
    JsonObject schema = new JsonObject().put("type", "object")
        .put("properties", new JsonObject()
            .put("query", new JsonObject().put("type", "string"))
            .put("limit", new JsonObject().put("type", "number"))
            .put("exact", new JsonObject().put("type", "boolean"))
            .put("mode", new JsonObject().put("type", "string").put("enum", new JsonArray().add("fast").add("slow")))
            .put("maybe", new JsonObject().put("type", new JsonArray().add("null").add("integer")))
            .put("filter", new JsonObject().put("type", "object")
                .put("properties", new JsonObject().put("tag", new JsonObject().put("type", "string")))
                .put("required", new JsonArray().add("tag")))
            .put("optional", new JsonObject().put("type", "string")))
        .put("required", new JsonArray().add("query").add("limit").add("exact").add("mode").add("maybe").add("filter"));

    assertEquals(new JsonObject().put("query", "mock").put("limit", 1).put("exact", true).put("mode", "fast")
            .put("maybe", 1).put("filter", new JsonObject().put("tag", "mock")),
        ToolArguments.fromSchema(schema));
    assertEquals(new JsonObject(), ToolArguments.fromSchema(null));
  }

  @Test
  void slicesArgumentsIntoPiecesThatJoinBack() {
    String json = "{\"city\":\"mock\",\"days\":1}";

    List<String> slices = ReplyPlan.slices(json);

    assertEquals(json, String.join("", slices));
    assertEquals(3, slices.size());
  }

  @Test
  void masksSecretsKeepingOnlyTheirEnds() {
    assertEquals("sk-a****wxyz", RecordedRequest.mask("sk-abcdefghijklmnopqrstuvwxyz"));
    assertEquals("****", RecordedRequest.mask("12345678"));
    assertEquals("1234****6789", RecordedRequest.mask("123456789"));
  }
}
