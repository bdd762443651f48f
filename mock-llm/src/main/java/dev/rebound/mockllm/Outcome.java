package dev.rebound.mockllm;

/** How the mock's answer to a recorded request ended, as shown on {@code /_mock/requests}. */
enum Outcome {
  /** Still being answered. */
  PENDING("pending"),
  /** A normal answer (including provider errors such as context overflow) was sent in full. */
  COMPLETED("completed"),
  /** A scripted status answer or stream error event was sent. */
  FAULT("fault"),
  /** The mock closed the connection mid-answer, as scripted. */
  CUT("cut"),
  /** The client went away before the answer was finished. */
  CLIENT_CLOSED("client-closed");

  final String wire;

  Outcome(String wire) {
    this.wire = wire;
  }
}
