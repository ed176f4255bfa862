package dev.confine.it;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** A process seen from outside, through /proc: what no code inside it can fake. */
final class ProcView {
  private ProcView() {}

  static Path root(long pid) throws IOException {
    return Files.readSymbolicLink(Path.of("/proc", String.valueOf(pid), "root"));
  }

  static Path cwd(long pid) throws IOException {
    return Files.readSymbolicLink(Path.of("/proc", String.valueOf(pid), "cwd"));
  }

  /** Field name to value ("Uid" to "65534\t65534\t65534\t65534") of every thread, by thread id. */
  static Map<String, Map<String, String>> threads(long pid) throws IOException {
    Map<String, Map<String, String>> threads = new LinkedHashMap<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", String.valueOf(pid), "task"))) {
      for (Path task : tasks) {
        try {
          threads.put(task.getFileName().toString(), status(task.resolve("status")));
        } catch (NoSuchFileException e) {
          // the thread ended while we looked
        } catch (IOException e) {
          // a thread that ended after its entry was listed: open or read gives ESRCH
          String reason = e instanceof java.nio.file.FileSystemException ? ((java.nio.file.FileSystemException) e).getReason() : e.getMessage();
          if (!"No such process".equals(reason)) {
            throw e;
          }
        }
      }
    }
    return threads;
  }

  static Map<String, String> status(Path file) throws IOException {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
      }
    }
    return fields;
  }
}
