package dev.rebound.gateway.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The compact encoder against jtokkit's, token count for token count, on texts made to reach every branch. */
class BytePairEncodingTest {
  private static final EncodingRegistry JTOKKIT = Encodings.newLazyEncodingRegistry();

  /** Words, code, numbers, contractions in both cases, every kind of space and line end, accents, CJK, emoji. */
  private static final String[] ATOMS = {
      "the", "The", "THE", " gateway", "Gateway's", "DON'T", "we've", "they'RE", "I'm", "'S", "'ll", "ſ", "'ſ",
      "unbelievably", "antidisestablishmentarianism", "x=42;", "foo.bar()", "{\"a\":[1,2,3]}", "</div>", "// why",
      "1234567", "3½", "٣٤٥", "Ⅻ", "\t", "\n", "\r\n", "\n\n\n", "  ", "    ", "\u00a0", "\u2003", "\u3000", "\u0085",
      "\u000b", "\u000c", "\u2028", "café", "naïve", "Ωμέγα", "Привет", "中文字符", "日本語のテキスト", "한국어", "עברית",
      "العربية", "हिन्दी", "🙂", "👩‍💻", "🇩🇪", "e\u0301", "ǅ", "ᾈ", "<|endoftext|>", "<|fim_prefix|>", "ﬁ", "…", "—",
      "\\", "/", "//", "$$", "@@", "@", "#", "%", "^", "&&", "||", "!", "?", ":", ";", ",", ".", "...", "-->", "==>",
  };

  private static List<String> texts() {
    List<String> texts = new ArrayList<>(List.of("", "a", " ", "hello world", "Hello, World!\n", "'s", "x".repeat(700),
        "ab".repeat(600), " ".repeat(1000) + "x", "🙂".repeat(300), "1".repeat(1000), "\n".repeat(50) + "  \n x",
        "\ud800 lone \udc00 surrogates \ud83d"));
    Random random = new Random(20261205);
    for (int i = 0; i < 3000; i++) {
      StringBuilder b = new StringBuilder();
      int atoms = 1 + random.nextInt(i % 100 == 0 ? 400 : 24);
      for (int a = 0; a < atoms; a++) {
        b.append(ATOMS[random.nextInt(ATOMS.length)]);
        if (random.nextInt(3) > 0) b.append(' ');
      }
      texts.add(b.toString());
    }
    // random code points of every plane and category, whatever the pattern makes of them
    for (int i = 0; i < 500; i++) {
      StringBuilder b = new StringBuilder();
      for (int c = 0; c < 40; c++) {
        int cp = random.nextInt(4) == 0 ? random.nextInt(0x30000) : random.nextInt(0x3000);
        if (Character.isDefined(cp) && !Character.isSurrogate((char) cp) || cp > 0xffff) b.appendCodePoint(cp);
      }
      texts.add(b.toString());
    }
    return texts;
  }

  private static void countsAsJtokkitDoes(String name, EncodingType type) {
    BytePairEncoding compact = BytePairEncoding.load(name);
    Encoding jtokkit = JTOKKIT.getEncoding(type);
    for (String sent : texts()) {
      // as the gateway counts: jtokkit's cl100k parser asserts well-formed text
      String text = Tokenizer.wellFormed(sent);
      assertEquals(jtokkit.countTokensOrdinary(text), compact.count(text), () -> name + ": " + text);
    }
  }

  @Test
  void o200kCountsEveryTextAsJtokkitDoes() {
    countsAsJtokkitDoes("o200k_base", EncodingType.O200K_BASE);
  }

  @Test
  void cl100kCountsEveryTextAsJtokkitDoes() {
    countsAsJtokkitDoes("cl100k_base", EncodingType.CL100K_BASE);
  }

  @Test
  void p50kAndR50kCountEveryTextAsJtokkitDoes() {
    countsAsJtokkitDoes("p50k_base", EncodingType.P50K_BASE);
    countsAsJtokkitDoes("r50k_base", EncodingType.R50K_BASE);
  }

  @Test
  void theGatewaysOwnSourcesCountAsJtokkitSaysInEveryEncoding() throws IOException {
    List<String> sources = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      for (Path p : files.filter(Files::isRegularFile).toList()) sources.add(Files.readString(p));
    }
    assertTrue(sources.size() > 100, "a corpus of real code and prose: " + sources.size() + " files");
    for (EncodingType type : List.of(EncodingType.O200K_BASE, EncodingType.CL100K_BASE, EncodingType.P50K_BASE)) {
      BytePairEncoding compact = BytePairEncoding.load(type.getName());
      Encoding jtokkit = JTOKKIT.getEncoding(type);
      for (String source : sources) assertEquals(jtokkit.countTokensOrdinary(source), compact.count(source), type.getName());
    }
  }

  @Test
  void tiktokensOwnEncodingsOfItsReferencePromptsHaveTheCountsGiven() throws IOException {
    for (String name : List.of("o200k_base", "cl100k_base")) {
      BytePairEncoding compact = BytePairEncoding.load(name);
      List<String> lines = Files.readAllLines(Path.of("src/test/resources/tiktoken/" + name + "_encodings.csv"));
      for (String line : lines.subList(1, lines.size())) {
        // input (quoted when it holds a comma or a quote), then "[id, id, ...]" twice
        String input;
        int rest;
        if (line.startsWith("\"")) {
          int close = 1;
          while (true) {
            close = line.indexOf('"', close);
            if (close + 1 < line.length() && line.charAt(close + 1) == '"') close += 2;
            else break;
          }
          input = line.substring(1, close).replace("\"\"", "\"");
          rest = close + 2;
        } else {
          input = line.substring(0, line.indexOf(','));
          rest = input.length() + 1;
        }
        String ids = line.substring(rest + 2, line.indexOf(']', rest));
        int expected = ids.isBlank() ? 0 : ids.split(",").length;
        assertEquals(expected, compact.count(input), () -> name + ": " + input);
      }
      assertTrue(lines.size() > 400, name + ": " + lines.size() + " lines");
    }
  }

  @Test
  void knownCountsFromTiktoken() {
    BytePairEncoding o200k = BytePairEncoding.load("o200k_base");
    assertEquals(2, o200k.count("hello world"));
    assertEquals(199_998, o200k.ranks().size());
    assertEquals(100_256, BytePairEncoding.load("cl100k_base").ranks().size());
  }

  @Test
  void anUnknownEncodingIsRefusedByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BytePairEncoding.load("gpt2"));
    assertEquals("unknown encoding 'gpt2': o200k_base, cl100k_base, p50k_base or r50k_base", e.getMessage());
  }
}
