package dev.rebound.gateway.cli;

import dev.rebound.gateway.failure.ClassificationReport;
import dev.rebound.gateway.failure.FailureClassifier;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "classify", mixinStandardHelpOptions = true,
    description = {"Classify provider error responses, one JSON line in, one out.",
        "Input lines: {\"status\":429,\"headers\":{...},\"body\":\"...\",\"stream\":false}",
        "Output lines: {\"kind\",\"retryAfterSeconds\",\"contextLimit\",\"requestedTokens\",\"provider\",\"message\"}"})
final class ClassifyCommand implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", description = "JSON Lines file (default: standard input).")
  Path file;

  @Override
  public Integer call() throws IOException {
    FailureClassifier classifier = FailureClassifier.loadDefault();
    PrintWriter out = new PrintWriter(System.out, false, StandardCharsets.UTF_8);
    try (BufferedReader in = file == null
        ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
        : Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) continue;
        out.println(ClassificationReport.classifyJsonLine(classifier, line));
      }
    }
    out.flush();
    return 0;
  }
}
