package dev.confine.it.boot;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** A reactive application (WebFlux on Netty) with Actuator, the starter and its properties. */
@SpringBootApplication
@RestController
public class App {
  public static void main(String[] args) {
    SpringApplication.run(App.class, args);
  }

  @GetMapping("/hello")
  public Mono<Map<String, Object>> hello() {
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("message", "hello");
    answer.put("etcPasswdVisible", new java.io.File("/etc/passwd").exists());
    return Mono.just(answer);
  }

  @PostMapping("/echo")
  public Mono<Map<String, Object>> echo(@RequestBody Map<String, Object> body) {
    Map<String, Object> answer = new LinkedHashMap<>(body);
    answer.put("echoed", true);
    return Mono.just(answer);
  }

  /** A class from a nested jar (BOOT-INF/lib/confine-testing-*.jar) that nothing loaded before. */
  @GetMapping("/nested")
  public Mono<String> nested() throws Exception {
    return Mono.just(Class.forName("dev.confine.testing.InjectedFailure").getName());
  }
}
