package dev.confine.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** curl(1) against loopback, bounded in time: what an operator would type. */
final class Curl {
  /** One answer: the HTTP status (0 if none came) and the body. */
  static final class Answer {
    final int status;
    final String body;
    final String scheme;

    Answer(int status, String body, String scheme) {
      this.status = status;
      this.body = body;
      this.scheme = scheme;
    }

    @Override
    public String toString() {
      return status + " " + scheme + "\n" + body;
    }
  }

  private static final String MARK = "\n\u0001CURL ";

  private Curl() {}

  /** GETs the URL as given (--path-as-is: no "..", no "%2e" squashed by curl), -k for self-signed TLS. */
  static Answer get(String url) throws IOException, InterruptedException {
    return run(url, List.of());
  }

  /** POSTs a JSON body to the URL. */
  static Answer postJson(String url, String json) throws IOException, InterruptedException {
    return run(url, List.of("-X", "POST", "-H", "Content-Type: application/json", "--data-binary", json));
  }

  private static Answer run(String url, List<String> extra) throws IOException, InterruptedException {
    if (!url.startsWith("http://127.0.0.1:") && !url.startsWith("https://127.0.0.1:")) {
      throw new IllegalArgumentException("loopback only: " + url);
    }
    List<String> command = new ArrayList<>(List.of("curl", "-sk", "--path-as-is", "--max-time", "15", "-w", MARK + "%{http_code} %{scheme}"));
    command.addAll(extra);
    command.add(url);
    Process curl = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!curl.waitFor(30, TimeUnit.SECONDS)) {
      curl.destroyForcibly();
      throw new AssertionError("curl did not end: " + url);
    }
    int mark = out.lastIndexOf(MARK);
    if (mark < 0) {
      throw new AssertionError("curl said nothing usable for " + url + " (exit " + curl.exitValue() + "): " + out);
    }
    String[] tail = out.substring(mark + MARK.length()).trim().split(" ");
    return new Answer(Integer.parseInt(tail[0]), out.substring(0, mark), tail.length > 1 ? tail[1] : "");
  }
}
