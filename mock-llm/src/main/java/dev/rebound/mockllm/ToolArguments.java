package dev.rebound.mockllm;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Deterministic tool arguments from a JSON schema: every required property gets a placeholder of
 * its type (strings "mock", numbers 1, booleans true), so a client's schema validation passes.
 */
final class ToolArguments {

  /** Deep enough for real tool schemas, shallow enough to stop self-referencing ones. */
  private static final int MAX_DEPTH = 8;

  private ToolArguments() {
  }

  static JsonObject fromSchema(JsonObject schema) {
    return schema == null ? new JsonObject() : object(schema, 0);
  }

  private static JsonObject object(JsonObject schema, int depth) {
    JsonObject args = new JsonObject();
    JsonObject properties = schema.getValue("properties") instanceof JsonObject p ? p : new JsonObject();
    if (!(schema.getValue("required") instanceof JsonArray required) || depth >= MAX_DEPTH) {
      return args;
    }
    for (Object name : required) {
      if (name instanceof String key) {
        Object propSchema = properties.getValue(key);
        args.put(key, value(propSchema instanceof JsonObject s ? s : new JsonObject(), depth + 1));
      }
    }
    return args;
  }

  private static Object value(JsonObject schema, int depth) {
    if (schema.containsKey("const")) {
      return schema.getValue("const");
    }
    if (schema.getValue("enum") instanceof JsonArray values && !values.isEmpty()) {
      return values.getValue(0);
    }
    switch (type(schema)) {
      case "integer":
      case "number":
        return 1;
      case "boolean":
        return true;
      case "array":
        return new JsonArray();
      case "object":
        return object(schema, depth);
      case "null":
        return null;
      default:
        return "mock";
    }
  }

  /** The schema's type; for a union like ["string", "null"] the first non-null one. */
  private static String type(JsonObject schema) {
    Object type = schema.getValue("type");
    if (type instanceof String s) {
      return s;
    }
    if (type instanceof JsonArray types) {
      for (Object t : types) {
        if (t instanceof String s && !s.equals("null")) {
          return s;
        }
      }
    }
    return schema.getValue("properties") instanceof JsonObject ? "object" : "string";
  }
}
