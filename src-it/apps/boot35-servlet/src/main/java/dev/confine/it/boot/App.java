package dev.confine.it.boot;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** An application that knows nothing of confine but its starter and its properties. */
@SpringBootApplication
@RestController
public class App {
  public static void main(String[] args) {
    SpringApplication.run(App.class, args);
  }

  @GetMapping("/hello")
  public Map<String, Object> hello() {
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("message", "hello");
    answer.put("etcPasswdVisible", new java.io.File("/etc/passwd").exists());
    return answer;
  }

  @PostMapping("/echo")
  public Map<String, Object> echo(@RequestBody Map<String, Object> body) {
    Map<String, Object> answer = new LinkedHashMap<>(body);
    answer.put("echoed", true);
    return answer;
  }

  /** A class from a nested jar (BOOT-INF/lib/confine-testing-*.jar) that nothing loaded before. */
  @GetMapping("/nested")
  public String nested() throws Exception {
    return Class.forName("dev.confine.testing.InjectedFailure").getName();
  }
}
