package dev.confine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The narrow, named options that accept a preflight finding knowingly. */
class PolicyAllowancesTest {
  private static ConfinementPolicy.Builder valid() {
    return Confinement.builder().root("/srv/jail").user("app");
  }

  @Test
  void noFindingIsAllowedByDefault() {
    ConfinementPolicy policy = valid().build();
    assertEquals(List.of(), policy.allowedWritable());
    assertEquals(List.of(), policy.allowedDeviceNodes());
    assertFalse(policy.sharedUidAllowed());
    assertEquals(List.of(), policy.allowedOpenDirectories());
  }

  @Test
  void allowancesAccumulateAreNormalisedAndImmutable() {
    ConfinementPolicy policy =
        valid().allowWritable("var/spool").allowWritable("tmp//cache").allowDeviceNodes("dev/null", "dev/urandom")
            .allowDeviceNodes("dev/null").allowSharedUid().allowOpenDirectory(7).build();
    assertEquals(List.of("var/spool", "tmp/cache"), policy.allowedWritable());
    assertEquals(List.of("dev/null", "dev/urandom"), policy.allowedDeviceNodes());
    assertTrue(policy.sharedUidAllowed());
    assertEquals(List.of(7), policy.allowedOpenDirectories());
    assertThrows(UnsupportedOperationException.class, () -> policy.allowedWritable().add("x"));
  }

  @Test
  void allowancesTakePartInEqualsHashCodeToStringAndToBuilder() {
    ConfinementPolicy plain = valid().build();
    ConfinementPolicy allowing = valid().allowWritable("var/spool").allowDeviceNodes("dev/null").allowSharedUid().allowOpenDirectory(9).build();
    assertNotEquals(plain, allowing);
    assertNotEquals(plain, valid().allowSharedUid().build());
    assertNotEquals(plain, valid().allowOpenDirectory(9).build());
    assertEquals(allowing, allowing.toBuilder().build());
    assertEquals(allowing.hashCode(), allowing.toBuilder().build().hashCode());
    String text = allowing.toString();
    assertTrue(text.endsWith(", allowWritable=[var/spool], allowDeviceNodes=[dev/null], allowSharedUid, allowOpenDirectory=[9]}"), text);
    assertFalse(plain.toString().contains("allow"), plain.toString());
  }

  @Test
  void refuseInheritedDescriptorsTakesPartInEqualsHashCodeToStringAndToBuilder() {
    ConfinementPolicy plain = valid().build();
    ConfinementPolicy strict = valid().refuseInheritedDescriptors().build();
    assertFalse(plain.inheritedDescriptorsRefused());
    assertTrue(strict.inheritedDescriptorsRefused());
    assertNotEquals(plain, strict);
    assertNotEquals(plain.hashCode(), strict.hashCode());
    assertEquals(strict, strict.toBuilder().build());
    assertTrue(strict.toBuilder().build().inheritedDescriptorsRefused());
    assertTrue(strict.toString().contains(", refuseInheritedDescriptors"), strict.toString());
    assertFalse(plain.toString().contains("refuseInheritedDescriptors"), plain.toString());
  }

  @Test
  void badPathsAreRefusedAtOnceNamingTheValue() {
    ConfinementPolicy.Builder b = valid();
    assertEquals("writable subdirectory must be a non-empty path relative to the root, such as \"dev/null\": \"/var/spool\"",
        assertThrows(IllegalArgumentException.class, () -> b.allowWritable("/var/spool")).getMessage());
    assertEquals("writable subdirectory must not contain '.' or '..' components: \"../etc\"",
        assertThrows(IllegalArgumentException.class, () -> b.allowWritable("../etc")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> b.allowWritable("."));
    assertThrows(IllegalArgumentException.class, () -> b.allowWritable(""));
    assertThrows(IllegalArgumentException.class, () -> b.allowWritable("a/./b"));
    assertThrows(IllegalArgumentException.class, () -> b.allowWritable("a\0b"));
    assertThrows(NullPointerException.class, () -> b.allowWritable(null));
    assertThrows(IllegalArgumentException.class, () -> b.allowDeviceNodes("dev/null", "dev/../mem"));
    assertThrows(NullPointerException.class, () -> b.allowDeviceNodes("dev/null", (String[]) null));
    assertEquals("not a file descriptor: -1", assertThrows(IllegalArgumentException.class, () -> b.allowOpenDirectory(-1)).getMessage());
    assertEquals(List.of(), b.build().allowedDeviceNodes(), "a refused call adds nothing");
  }
}
