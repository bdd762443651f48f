package dev.rebound.routing;

import java.util.regex.Pattern;

/** A model-name pattern where {@code *} is any run of characters and {@code ?} one character; case-insensitive. */
public final class ModelGlob {
  private final String text;
  private final Pattern pattern;

  private ModelGlob(String text, Pattern pattern) {
    this.text = text;
    this.pattern = pattern;
  }

  public static ModelGlob of(String glob) {
    StringBuilder re = new StringBuilder();
    for (char c : glob.toCharArray()) {
      switch (c) {
        case '*' -> re.append(".*");
        case '?' -> re.append('.');
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return new ModelGlob(glob, Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE));
  }

  public boolean matches(String model) {
    return model != null && pattern.matcher(model).matches();
  }

  /** True when the pattern names exactly one model (no wildcard), so it can be listed as a model clients may ask for. */
  public boolean isLiteral() {
    return text.indexOf('*') < 0 && text.indexOf('?') < 0;
  }

  @Override
  public String toString() {
    return text;
  }
}
