package dev.confine.it.micronaut;

import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.runtime.Micronaut;
import java.util.LinkedHashMap;
import java.util.Map;

/** A Micronaut application that knows nothing of confine: GET JSON, POST echo JSON, a late class. */
public class Application {
  public static void main(String[] args) {
    Micronaut.run(Application.class, args);
  }

  @Controller("/")
  public static class Api {
    @Get("/hello")
    public Map<String, Object> hello() {
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("message", "hello");
      answer.put("etcPasswdVisible", new java.io.File("/etc/passwd").exists());
      return answer;
    }

    @Post("/echo")
    public Map<String, Object> echo(@Body Map<String, Object> body) {
      Map<String, Object> answer = new LinkedHashMap<>(body);
      answer.put("echoed", true);
      return answer;
    }

    @Get(value = "/late", produces = MediaType.TEXT_PLAIN)
    public String late() throws Exception {
      return Class.forName("com.fasterxml.jackson.databind.util.ISO8601Utils").getName();
    }
  }
}
