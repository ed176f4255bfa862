package dev.confine.it.boot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
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

  /**
   * With -Dit.slowStartMillis=N (SpringBootStarterIT only): a last lifecycle phase, after the web
   * server has started, that takes N ms, so that Boot's started event comes that much later: an
   * application whose start stalls while its main server already listens.
   */
  @Bean
  SmartLifecycle slowStart() {
    return new SmartLifecycle() {
      private volatile boolean running;

      @Override
      public void start() {
        running = true;
        long millis = Long.getLong("it.slowStartMillis", 0);
        if (millis > 0) {
          try {
            Thread.sleep(millis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }

      @Override
      public void stop() {
        running = false;
      }

      @Override
      public boolean isRunning() {
        return running;
      }

      @Override
      public int getPhase() {
        return Integer.MAX_VALUE; // after the web server's phase
      }
    };
  }

  /**
   * With -Dit.holdDirectory=DIR (SpringBootStarterIT only): opens DIR in the lifecycle phase before
   * the web server starts, so after the starter's check of the jail and before apply(). An open
   * directory of the host is an escape route apply() refuses: the starter must then stop the
   * application before it serves, however late the descriptor came.
   */
  @Bean
  SmartLifecycle holdDirectory() {
    return new SmartLifecycle() {
      private DirectoryStream<Path> held;

      @Override
      public void start() {
        // -Dit.stallBeforeServerMillis=N: the web server starts N ms later (a server that never
        // gets to listen within the starter's deadline).
        long stall = Long.getLong("it.stallBeforeServerMillis", 0);
        if (stall > 0) {
          try {
            Thread.sleep(stall);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        String dir = System.getProperty("it.holdDirectory");
        if (dir != null) {
          try {
            held = Files.newDirectoryStream(Path.of(dir));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }

      @Override
      public void stop() {
        held = null;
      }

      @Override
      public boolean isRunning() {
        return held != null;
      }

      @Override
      public int getPhase() {
        return 0; // before the web server's phase (DEFAULT_PHASE - 2048)
      }
    };
  }
}
