package dev.rebound.gateway.cli;

import dev.rebound.gateway.failure.ClassificationReport;
import dev.rebound.gateway.failure.FailureClassifier;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "classify", mixinStandardHelpOptions = true,
    description = {"Classify provider error responses, one JSON line in, one out.",
        "Input lines: {\"status\":429,\"headers\":{...},\"body\":\"...\",\"stream\":false}",
        "Output lines: {\"kind\",\"retryAfterSeconds\",\"contextLimit\",\"requestedTokens\",\"provider\",\"message\"}",
        "A line that cannot be read gets {\"line\":N,\"error\":\"...\"} in its place; the exit code is then 1."})
final class ClassifyCommand implements Callable<Integer> {
  /** Longer lines are skipped (with an error line) rather than held: a stray binary file must not exhaust memory. */
  static final int MAX_LINE_BYTES = 16 * 1024 * 1024;
  private static final int LISTED_BAD_LINES = 10;

  @Parameters(index = "0", arity = "0..1", description = "JSON Lines file (default: standard input).")
  Path file;

  @Override
  public Integer call() throws IOException {
    FailureClassifier classifier = FailureClassifier.loadDefault(Clock.systemUTC());
    PrintWriter out = new PrintWriter(System.out, false, StandardCharsets.UTF_8);
    List<Long> bad = new ArrayList<>();
    long lineNumber = 0;
    try (InputStream in = new BufferedInputStream(file == null ? System.in : Files.newInputStream(file))) {
      LineReader lines = new LineReader(in);
      for (ClassificationReport.Answer answer; (answer = lines.next(classifier)) != null; ) {
        lineNumber = lines.number;
        if (answer == LineReader.BLANK) continue;
        if (answer.unreadable()) bad.add(lineNumber);
        out.println(answer.atLine(lineNumber).json());
      }
    } catch (NoSuchFileException e) {
      System.err.println("classify: file not found: " + file);
      return 1;
    } finally {
      out.flush();
    }
    if (bad.isEmpty()) return 0;
    String listed = bad.subList(0, Math.min(bad.size(), LISTED_BAD_LINES)).toString().replaceAll("[\\[\\]]", "");
    System.err.println("classify: " + bad.size() + " of " + lineNumber + " lines could not be read (line"
        + (bad.size() == 1 ? " " : "s ") + listed + (bad.size() > LISTED_BAD_LINES ? ", ..." : "") + ")");
    return 1;
  }

  /** Splits bytes at '\n' with a length bound, decoding each line strictly so bad UTF-8 is one bad line. */
  static final class LineReader {
    static final ClassificationReport.Answer BLANK = new ClassificationReport.Answer("", false);
    private final InputStream in;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    long number;

    LineReader(InputStream in) {
      this.in = in;
    }

    /** The next line's answer, {@link #BLANK} for a blank line, null at the end of input. */
    ClassificationReport.Answer next(FailureClassifier classifier) throws IOException {
      line.reset();
      boolean tooLong = false;
      int b;
      while ((b = in.read()) != -1 && b != '\n') {
        if (line.size() < MAX_LINE_BYTES) line.write(b);
        else tooLong = true;
      }
      if (b == -1 && line.size() == 0 && !tooLong) return null;
      number++;
      if (tooLong) return ClassificationReport.unreadable("line longer than " + MAX_LINE_BYTES + " bytes");
      String text;
      try {
        text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(line.toByteArray())).toString();
      } catch (CharacterCodingException e) {
        return ClassificationReport.unreadable("not UTF-8 text");
      }
      return text.isBlank() ? BLANK : ClassificationReport.classify(classifier, text);
    }
  }
}
