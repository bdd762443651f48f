package dev.rebound.gateway.upstream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * Replaces one top-level string field in a JSON body without re-serializing the rest, so everything the client sent
 * (unknown fields, number spelling, key order) reaches the upstream byte for byte.
 */
public final class JsonSplice {
  private static final JsonFactory FACTORY = new JsonFactory();

  private JsonSplice() {}

  /** The body with {@code field}'s string value set to {@code value}; null when the field is not a top-level string. */
  public static Buffer replaceTopLevelString(Buffer body, String field, String value) {
    byte[] bytes = body.getBytes();
    try (JsonParser p = FACTORY.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) return null;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (name.equals(field)) {
          if (v != JsonToken.VALUE_STRING) return null;
          int start = (int) p.currentTokenLocation().getByteOffset();
          p.getText(); // finish the token, so the current location is just past its closing quote
          int end = (int) p.currentLocation().getByteOffset();
          byte[] quoted = JsonStringEncoder.getInstance().quoteAsUTF8(value);
          Buffer out = Buffer.buffer(bytes.length + quoted.length);
          out.appendBytes(bytes, 0, start).appendByte((byte) '"').appendBytes(quoted).appendByte((byte) '"');
          out.appendBytes(bytes, end, bytes.length - end);
          return out;
        }
        p.skipChildren();
      }
      return null;
    } catch (IOException e) {
      return null;
    }
  }
}
