package dev.rebound.gateway.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DialectsTest {
  private static Dialects load(String yaml) throws IOException {
    return Dialects.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void theBundledDialectsLoadWithRulesExtractorsAndFallbacks() {
    Dialects d = Dialects.loadDefault();
    assertTrue(d.rules().size() > 40, "rules: " + d.rules().size());
    assertTrue(d.extractors().size() > 20);
    assertEquals(FailureKind.TIMEOUT, d.fallbackFor(524));
    assertEquals(FailureKind.INVALID_REQUEST, d.fallbackFor(418));
    assertEquals(FailureKind.SERVER_ERROR, d.fallbackFor(599));
    assertEquals(FailureKind.SERVER_ERROR, d.fallbackFor(0));
  }

  @Test
  void aTypoInARuleFailsLoadingWithTheRuleId() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> load("rules:\n  - id: my-rule\n    mesage: 'x'\n    kind: AUTH\n"));
    assertTrue(e.getMessage().contains("my-rule") && e.getMessage().contains("mesage"), e.getMessage());
  }

  @Test
  void unknownKindsBadStatusesBadRegexesAndUnknownExtractorsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> load("rules:\n  - id: a\n    kind: NOPE\n"));
    assertThrows(IllegalArgumentException.class, () -> load("rules:\n  - id: a\n    status: [42x]\n    kind: AUTH\n"));
    assertThrows(IllegalArgumentException.class, () -> load("rules:\n  - id: a\n    message: '(unclosed'\n    kind: AUTH\n"));
    assertThrows(IllegalArgumentException.class, () -> load("rules:\n  - id: a\n    numbers: [nope]\n    kind: AUTH\n"));
    assertThrows(IllegalArgumentException.class, () -> load("rules:\n  - id: a\n    kind: AUTH\n  - id: a\n    kind: AUTH\n"));
    assertThrows(IllegalArgumentException.class, () -> load("extractors:\n  x:\n    regex: 'no groups here'\n"));
  }

  @Test
  void regexesAreLowercasedExceptEscapesSoTheyMatchLowercasedText() {
    assertEquals("\\S+ tpd \\D \\bx", Dialects.lowerLiterals("\\S+ TPD \\D \\bX"));
    assertThrows(IllegalArgumentException.class, () -> Dialects.lowerLiterals("\\p{Lu}"));
  }

  @Test
  void theBranchPrefilterAnswersExactlyLikeTheWholeRegex() throws IOException {
    List<String> texts = new ArrayList<>();
    ProviderErrorSamples.lines().forEach(l -> texts.add(l.toLowerCase()));
    texts.addAll(List.of("", "x", "overloaded", "rate-limited upstream", "api key not valid", "(tpd)", "too many tokens,",
        "input tokens (5 > 4 - 1)", "timed out", "timeout", "model 'x' not found", "exceeds the context window"));
    for (DialectRule rule : Dialects.loadDefault().rules()) {
      for (TextPattern tp : new TextPattern[] {rule.message(), rule.details()}) {
        if (tp == null) continue;
        Pattern whole = tp.pattern();
        for (String t : texts) {
          assertEquals(whole.matcher(t).find(), tp.find(t), () -> rule.id() + " on " + t);
        }
      }
    }
  }

  @Test
  void branchLiteralsSkipWordBoundariesAndDropQuantifiedCharacters() {
    assertEquals(List.of("time", "deadline exceeded"), TextPattern.requiredLiterals("\\btimed? ?out\\b|deadline exceeded"));
    assertEquals(List.of("(tpd)", "per"), TextPattern.requiredLiterals("\\(tpd\\)|per[ _-]day"));
    assertEquals(null, TextPattern.requiredLiterals("(?:a|b)c|defg"));
    assertEquals(null, TextPattern.requiredLiterals("ab|cdef"));
  }
}
