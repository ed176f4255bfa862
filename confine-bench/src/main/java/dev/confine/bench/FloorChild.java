package dev.confine.bench;

import dev.confine.JvmFacility;
import dev.confine.internal.jvm.JvmPreparations;

/**
 * What the JDK itself costs for the default preparations: the same JDK calls that apply() makes
 * in PREPARE_JVM (each facility of {@link JvmFacility#networkServer()}, in apply()'s order), in a
 * fresh JVM that loads nothing else of confine (no binding, no policy, no preflight). Prints each
 * facility's time and the sum. The floor under PREPARE_JVM: confine adds a name and a timer.
 */
public final class FloorChild {
  private FloorChild() {}

  public static void main(String[] args) throws Exception {
    long total = 0;
    for (JvmFacility facility : JvmFacility.networkServer()) {
      long t0 = System.nanoTime();
      JvmPreparations.facility(facility).prepare();
      long t = System.nanoTime() - t0;
      total += t;
      System.out.println("BENCH floor." + facility.preparationName() + " " + t);
    }
    System.out.println("BENCH floor-total " + total);
    System.out.println("DONE");
  }
}
