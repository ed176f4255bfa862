package dev.confine.it.helidon;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;

/**
 * A Helidon SE 4 server that knows nothing of confine: GET /hello (JSON), POST /echo (the JSON body
 * back, with "echoed"), GET /late (a class of helidon-common that nothing loaded before).
 * {@code java -Dport=PORT -jar app.jar}, on 127.0.0.1.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    WebServer.builder()
        .host("127.0.0.1")
        .port(Integer.getInteger("port", 8080))
        .routing(routing -> routing
            .get("/hello", (request, response) -> {
              response.header(HeaderNames.CONTENT_TYPE, "application/json");
              response.send("{\"message\":\"hello\",\"etcPasswdVisible\":" + new java.io.File("/etc/passwd").exists() + "}");
            })
            .post("/echo", (request, response) -> {
              String in = request.content().as(String.class).trim();
              response.header(HeaderNames.CONTENT_TYPE, "application/json");
              response.send(in.substring(0, in.lastIndexOf('}')) + ",\"echoed\":true}");
            })
            .get("/late", (request, response) -> response.send(Class.forName("io.helidon.common.Base64Value").getName())))
        .build()
        .start();
    System.out.println("MAIN started");
  }
}
