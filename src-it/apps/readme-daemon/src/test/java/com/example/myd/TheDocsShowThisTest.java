package com.example.myd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * This module is what a user gets by following the docs: its test is docs/testing.md's, character
 * for character after the package line, and every dependency the README tells a daemon to add is
 * in its pom as written. If the docs change, this fails until the daemon here is the docs' again
 * (and then MyDaemonPolicyTest says whether the docs' test still passes).
 */
class TheDocsShowThisTest {
  private static final Path REPOSITORY = Path.of("../../..");

  @Test
  void thePolicyTestIsDocsTestingMdsCharacterForCharacter() throws IOException {
    String page = Files.readString(REPOSITORY.resolve("docs/testing.md"));
    String section = page.substring(page.indexOf("## Testing your policy"));
    String shown = blocks(section, "java").get(0);
    String test = Files.readString(Path.of("src/test/java/com/example/myd/MyDaemonPolicyTest.java"));
    assertEquals("package com.example.myd;\n\n" + shown, test);
  }

  @Test
  void thePomHasEveryDependencyTheDocsTellADaemonToAdd() throws IOException {
    String pom = squeezed(Files.readString(Path.of("pom.xml")));
    List<String> shown = new ArrayList<>();
    for (String doc : List.of("README.md", "docs/testing.md")) {
      for (String block : blocks(Files.readString(REPOSITORY.resolve(doc)), "xml")) {
        shown.add(block);
        assertTrue(pom.contains(squeezed(block)), doc + "'s\n" + block + "is not in this module's pom");
      }
    }
    assertEquals(3, shown.size(), "README: confine-core and confine-testing; docs/testing.md: confine-testing");
  }

  private static List<String> blocks(String markdown, String language) {
    Matcher m = Pattern.compile("(?m)^```" + language + "\n(.*?)^```$", Pattern.DOTALL).matcher(markdown);
    List<String> found = new ArrayList<>();
    while (m.find()) {
      found.add(m.group(1));
    }
    assertTrue(!found.isEmpty(), "no ```" + language + " block");
    return found;
  }

  private static String squeezed(String xml) {
    return xml.replaceAll("<!--.*?-->", "").replaceAll("\\s+", "");
  }
}
